import type { IdentityAnswer, IdentityNode } from '../types.js';
import { formatDate } from '../format.js';
import { navigate } from '../router.js';

/** The other people of an account (its household or company lines), from `GET /v1/accounts/{id}`. */
export type Households = ReadonlyMap<string, readonly { readonly profileId: string; readonly role: string }[]>;
/** Household members drawn per account; more are counted in words. */
const MEMBERS_DRAWN = 4;

/**
 * The identity graph drawn as SVG: the profile in the centre, its identifiers on a ring (grouped by
 * type), accounts on an outer ring. An identifier linked by co-occurrence is joined to the
 * identifier it was seen with; one that founded the profile (first seen) to the profile itself.
 * Every node and link has a text equivalent in the table beside it.
 */
const WIDTH = 760;
const HEIGHT = 500;
const CX = WIDTH / 2;
const CY = HEIGHT / 2;

const TYPE_COLOURS: Record<string, string> = {
  msisdn: '#2563eb',
  imsi: '#7c3aed',
  iccid: '#9333ea',
  imei: '#c026d3',
  email: '#059669',
  appUserId: '#d97706',
  deviceId: '#b45309',
  passport: '#dc2626',
};

const keyOf = (node: IdentityNode): string => `${node.type}:${node.value}`;
const stripEpoch = (key: string): string => key.replace(/#\d+$/, '');
const validity = (node: IdentityNode): string =>
  node.validFrom === null && node.validTo === null
    ? 'valid throughout'
    : `valid ${node.validFrom ? `after ${formatDate(node.validFrom)}` : ''}${node.validTo ? ` until ${formatDate(node.validTo)}` : ' until now'}`;

interface Placed {
  readonly key: string;
  readonly x: number;
  readonly y: number;
  readonly node: IdentityNode;
  /** The direction from the centre, for placing the label outside the ring. */
  readonly cos: number;
  readonly sin: number;
}

/** Labels go outside the ring: to the right of nodes on the right, to the left on the left. */
const anchor = (p: Placed): 'start' | 'middle' | 'end' => (p.cos > 0.3 ? 'start' : p.cos < -0.3 ? 'end' : 'middle');
const labelX = (p: Placed): number => p.x + (p.cos > 0.3 ? 20 : p.cos < -0.3 ? -20 : 0);
const labelY = (p: Placed): number => p.y + (anchor(p) !== 'middle' ? -2 : p.sin < 0 ? -34 : 28);

export const IdentityGraph = ({ identity, households = new Map() }: { identity: IdentityAnswer; households?: Households }) => {
  const identifiers = [...identity.identifiers].sort((a, b) => a.type.localeCompare(b.type) || a.value.localeCompare(b.value));
  const radius = Math.min(175, 80 + identifiers.length * 12);
  const placed: Placed[] = identifiers.map((node, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(identifiers.length, 1);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    return { key: keyOf(node), node, x: CX + radius * cos, y: CY + radius * sin, cos, sin };
  });
  const byKey = new Map(placed.map((p) => [p.key, p] as const));
  const accounts = identity.accounts.map((account, i) => {
    // Accounts sit in the corners, away from the ring: they are relations, not identifiers.
    const corners = [
      [WIDTH - 60, HEIGHT - 50],
      [60, HEIGHT - 50],
      [WIDTH - 60, 40],
      [60, 40],
    ] as const;
    const [x, y] = corners[i % corners.length] as readonly [number, number];
    // The account's other people, in a row from the corner towards the centre.
    const others = (households.get(account.accountId) ?? []).filter((m) => m.profileId !== identity.profileId);
    const towards = x > CX ? -1 : 1;
    const members = others.slice(0, MEMBERS_DRAWN).map((member, j) => ({
      member,
      x: x + towards * (56 + j * 34),
      y: y + (y > CY ? -34 : 34),
    }));
    return { account, x, y, members, more: others.length - members.length };
  });

  const householdSize = accounts.reduce((n, a) => n + a.members.length + a.more, 0);

  const links = placed.map((p) => {
    const edge = p.node.reason?.edge;
    const otherKey = edge ? edge.map(stripEpoch).find((k) => k !== p.key) : undefined;
    const other = otherKey ? byKey.get(otherKey) : undefined;
    return { from: p, to: other ?? { x: CX, y: CY }, rule: p.node.reason?.rule ?? 'linked', dashed: p.node.validTo !== null };
  });

  return (
    <figure className="graph" aria-labelledby="graph-caption">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Identity graph: ${identifiers.length} identifiers and ${identity.accounts.length} accounts${householdSize > 0 ? `, ${householdSize} other people on them` : ''}`}
      >
        <g className="links">
          {links.map((link) => (
            <g key={`l-${link.from.key}`}>
              <line x1={link.from.x} y1={link.from.y} x2={link.to.x} y2={link.to.y} className={link.dashed ? 'link ended' : 'link'} />
              <text
                x={link.from.x + (link.to.x - link.from.x) * 0.35}
                y={link.from.y + (link.to.y - link.from.y) * 0.35 - 3}
                className="link-label"
              >
                {link.rule}
              </text>
            </g>
          ))}
          {accounts.map((a) => (
            <line key={`la-${a.account.accountId}`} x1={CX} y1={CY} x2={a.x} y2={a.y} className="link account-link" />
          ))}
          {accounts.flatMap((a) =>
            a.members.map((m) => (
              <line
                key={`lm-${a.account.accountId}-${m.member.profileId}`}
                x1={a.x}
                y1={a.y}
                x2={m.x}
                y2={m.y}
                className="link household-link"
              />
            )),
          )}
        </g>
        <g className="profile-node" tabIndex={0} aria-label={`Profile ${identity.profileId}`}>
          <circle cx={CX} cy={CY} r={30} />
          <text x={CX} y={CY + 4} textAnchor="middle">
            profile
          </text>
          <title>{identity.profileId}</title>
        </g>
        {placed.map((p) => (
          <g
            key={p.key}
            className="id-node"
            data-testid="identity-node"
            tabIndex={0}
            aria-label={`${p.node.type} ${p.node.value}, ${validity(p.node)}, linked by ${p.node.reason?.rule ?? 'unknown rule'}`}
          >
            <circle cx={p.x} cy={p.y} r={14} fill={TYPE_COLOURS[p.node.type] ?? '#475569'} />
            <text x={labelX(p)} y={labelY(p)} textAnchor={anchor(p)} className="node-type">
              {p.node.type}
              {p.node.epoch > 0 ? ` (holding ${p.node.epoch + 1})` : ''}
            </text>
            <text x={labelX(p)} y={labelY(p) + 13} textAnchor={anchor(p)} className="node-value">
              {p.node.value.length > 24 ? `${p.node.value.slice(0, 23)}…` : p.node.value}
            </text>
            <title>{`${p.node.type} ${p.node.value}\n${validity(p.node)}\n${p.node.reason?.rule ?? ''} ${p.node.reason?.event ? `(${p.node.reason.event.sourceId}/${p.node.reason.event.type} ${p.node.reason.event.eventId})` : ''}`}</title>
          </g>
        ))}
        {accounts.map((a) => (
          <g
            key={a.account.accountId}
            className="account-node"
            tabIndex={0}
            aria-label={`Account ${a.account.accountId}, role ${a.account.role}`}
          >
            <rect x={a.x - 16} y={a.y - 12} width={32} height={24} rx={4} />
            <text x={a.x} y={a.y + 28} textAnchor="middle" className="node-type">
              account ({a.account.role})
            </text>
            <text x={a.x} y={a.y + 40} textAnchor="middle" className="node-value">
              {a.account.accountId}
              {a.more > 0 ? ` (+${a.more} more people)` : ''}
            </text>
          </g>
        ))}
        {accounts.flatMap((a) =>
          a.members.map((m) => (
            <a
              key={`m-${a.account.accountId}-${m.member.profileId}`}
              href={`/profiles/${encodeURIComponent(m.member.profileId)}`}
              className="household-node"
              data-testid="household-node"
              aria-label={`Also on account ${a.account.accountId}: ${m.member.profileId}, ${m.member.role}`}
              onClick={(event) => {
                event.preventDefault();
                navigate(`/profiles/${encodeURIComponent(m.member.profileId)}`);
              }}
            >
              <circle cx={m.x} cy={m.y} r={9} />
              <title>{`${m.member.profileId} (${m.member.role}), also on account ${a.account.accountId}`}</title>
            </a>
          )),
        )}
      </svg>
      <figcaption id="graph-caption">
        Identifiers (circles, coloured by type), accounts (squares) and the other people of each account (small grey circles, links to their
        profiles). A line joins an identifier to the one it was first seen with, or to the profile when it founded it; a dashed line is a
        link whose validity has ended.
      </figcaption>
    </figure>
  );
};
