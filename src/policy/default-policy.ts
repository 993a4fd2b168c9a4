/*
 * The Cedar schema every policy set is validated against, and the policy set Tessera starts with
 * (version 1). Cedar denies what no `permit` allows and a `forbid` always wins over a `permit`, so
 * the set reads as one permission and the exceptions the law makes to it. docs/policy.md
 * explains each rule; policy-engine.test.ts tests each.
 *
 * A request: principal = the consumer, action = `disclose`, resource = the attribute class;
 * context = the purpose, the channel and the subject's consent for that purpose and channel.
 */

export const POLICY_NAMESPACE = 'Tessera';

export const CEDAR_SCHEMA = `namespace Tessera {
  type Consent = {
    valid: Bool,
    explicit: Bool,
    legalBasis: String,
    signals: Set<String>,
  };
  entity Consumer = {
    kind: String,
    purposes: Set<String>,
    channels: Set<String>,
    requiredSignals: Set<String>,
    adChannel: String,
  };
  entity AttributeClass = {
    purposes: Set<String>,
  };
  action disclose appliesTo {
    principal: Consumer,
    resource: AttributeClass,
    context: { purpose: String, channel: String, consent: Consent },
  };
}
`;

export const DEFAULT_POLICY_TEXT = `// Tessera default policy set. Deny is the default: only the permit below allows, and every
// forbid overrides it.

@id("permit-registered-purpose-and-channel")
@description("A consumer may receive a class of attributes for a purpose it is registered for, on a channel it is registered for, when the class may serve that purpose.")
permit (
  principal,
  action == Tessera::Action::"disclose",
  resource
)
when {
  principal.purposes.contains(context.purpose) &&
  principal.channels.contains(context.channel) &&
  resource.purposes.contains(context.purpose)
};

@id("forbid-without-valid-consent")
@description("No valid basis for the purpose and channel (none recorded, denied, withdrawn or expired): nothing is disclosed.")
forbid (principal, action, resource)
unless { context.consent.valid };

@id("forbid-traffic-and-location-for-marketing-without-explicit-consent")
@description("Traffic and location data serve marketing, profiling and advertising only with the subject's explicit consent to that use of the data: the traffic_data_consent or location_data_consent signal (ePrivacy Directive art. 6(3) and 9(1); 126-FZ art. 63).")
forbid (principal, action, resource)
when {
  ["marketing", "profiling", "third_party_ads"].contains(context.purpose) &&
  ((resource == Tessera::AttributeClass::"traffic" && !context.consent.signals.contains("traffic_data_consent")) ||
   (resource == Tessera::AttributeClass::"location" && !context.consent.signals.contains("location_data_consent")))
};

@id("forbid-ad-partner-outside-its-channel")
@description("An ad partner receives data only on its own ads:<partner> channel, so only with consent given for that partner.")
forbid (principal, action, resource)
when {
  principal.kind == "ad_partner" && context.channel != principal.adChannel
};

@id("forbid-special-categories-without-explicit-consent")
@description("Special categories of personal data need explicit consent whatever the purpose (152-FZ art. 10; GDPR art. 9(2)(a)).")
forbid (principal, action, resource == Tessera::AttributeClass::"special")
unless { context.consent.explicit };

@id("forbid-missing-required-signals")
@description("A consumer registered with required signals (e.g. tcf_vendor_consent) receives nothing about a subject lacking any of them.")
forbid (principal, action, resource)
unless { context.consent.signals.containsAll(principal.requiredSignals) };
`;
