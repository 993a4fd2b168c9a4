import { useEffect, useRef, useState } from 'react';
import { api, ApiError, errorText } from '../api.js';
import type { EntityType, Issue, PreviewAnswer, TesseraGroup, ValidateAnswer } from '../types.js';

export interface DraftAnalysis {
  readonly preview: PreviewAnswer | null;
  readonly validation: ValidateAnswer | null;
  readonly pending: boolean;
  readonly error: string | null;
  /** Milliseconds from the last edit to the answer on screen (debounce included). */
  readonly latencyMs: number | null;
}

const DEBOUNCE_MS = 120;

/**
 * The exact count, sample, rendering and issues of the draft, asked again a moment after each
 * edit. A newer edit cancels the requests of an older one, so an answer never replaces a newer one.
 */
export const useDraftAnalysis = (entity: EntityType, rule: TesseraGroup, audienceId: string | undefined): DraftAnalysis => {
  const [state, setState] = useState<DraftAnalysis>({ preview: null, validation: null, pending: false, error: null, latencyMs: null });
  const key = JSON.stringify({ entity, rule, audienceId });
  const editedAt = useRef(0);

  useEffect(() => {
    editedAt.current = performance.now();
    setState((s) => ({ ...s, pending: true }));
    const controller = new AbortController();
    const timer = setTimeout(() => {
      const body = { entity, rule, ...(audienceId ? { id: audienceId } : {}) };
      const validation = api<ValidateAnswer>('/v1/audiences/validate', { method: 'POST', body, signal: controller.signal });
      const preview = api<PreviewAnswer>('/v1/audiences/preview', {
        method: 'POST',
        body: { entity, rule, sampleSize: 10 },
        signal: controller.signal,
      }).catch((err: unknown) => {
        // An invalid draft has no count; its issues come from the validation.
        if (err instanceof ApiError && err.code === 'VALIDATION_FAILED') return null;
        throw err;
      });
      Promise.all([preview, validation]).then(
        ([p, v]) => {
          if (controller.signal.aborted) return;
          setState({ preview: p, validation: v, pending: false, error: null, latencyMs: Math.round(performance.now() - editedAt.current) });
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          setState((s) => ({ ...s, pending: false, error: errorText(err) }));
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // `key` stands for entity, rule and id: the effect runs when the draft's meaning changes.
  }, [key]);

  return state;
};

export const issuesOf = (analysis: DraftAnalysis): readonly Issue[] => analysis.validation?.issues ?? [];
