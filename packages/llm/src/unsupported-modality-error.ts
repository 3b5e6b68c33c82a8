import { ProviderError } from '@mesh/core';
import type { InputModality } from './input-modality';
import type { ResolvedModel } from './model-table';

/**
 * No model of the chain reads an input the request carries (e.g. audio with a chain of Claude
 * models). Retrying cannot help, so it is a non-retryable ProviderError (name 'ProviderError'):
 * the subtask fails at once with this message.
 */
export class UnsupportedModalityError extends ProviderError {
  readonly modality: InputModality;

  constructor(modality: InputModality, chain: readonly ResolvedModel[]) {
    super(`No configured model accepts ${modality} input (the request has a ${modality} attachment; chain: ${chain.map((m) => m.ref).join(', ') || 'empty'})`, {
      provider: 'none',
      model: chain.map((m) => m.ref).join(','),
      retryable: false,
      errorClass: 'unsupported_modality',
    });
    // Deliberately still 'ProviderError': retry decisions match on the name across processes.
    this.name = 'ProviderError';
    this.modality = modality;
  }
}
