/**
 * The approved templates of each Cloud API number (issue #15 §8), cached per
 * instance for a TTL so that opening the picker does not call Meta each time;
 * concurrent misses share one request. Each node caches on its own.
 */
import type { Instance, MessageTemplate, ProviderRegistry } from '../core/index.js';
import { newtonError, ProviderSendError } from '../core/index.js';

interface Entry {
  at: number;
  templates: Promise<MessageTemplate[]>;
}

export class TemplateCatalog {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly registry: ProviderRegistry,
    /** How long a fetched list is used. */
    private readonly ttlMs: number,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The number's approved templates; NewtonErrors for a number without templates or Meta refusing. */
  async list(instance: Instance): Promise<MessageTemplate[]> {
    const client = this.registry.get(instance.provider);
    if (!client?.listTemplates || instance.provider !== 'cloud') {
      throw newtonError(
        'NEWTON_ERR_TEMPLATES_UNAVAILABLE',
        'message templates exist only on Cloud API numbers',
      );
    }
    if (!instance.wabaId) {
      throw newtonError(
        'NEWTON_ERR_TEMPLATES_UNAVAILABLE',
        'the WhatsApp Business Account of this number is not known yet (Newton learns it from its first webhook)',
      );
    }
    const hit = this.cache.get(instance.id);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.templates;
    const listTemplates = client.listTemplates.bind(client);
    const templates = listTemplates(instance, AbortSignal.timeout(this.timeoutMs)).catch((err) => {
      this.cache.delete(instance.id);
      const reason = err instanceof ProviderSendError ? err.reason : String((err as Error)?.message ?? err);
      throw newtonError('NEWTON_ERR_PROVIDER_FAILED', `could not list the templates: ${reason}`);
    });
    this.cache.set(instance.id, { at: this.now(), templates });
    return templates;
  }

  /** One approved template by name and language; 422 template_not_found when none. */
  async find(instance: Instance, name: string, language: string): Promise<MessageTemplate> {
    const found = (await this.list(instance)).find((t) => t.name === name && t.language === language);
    if (!found) {
      throw newtonError(
        'NEWTON_ERR_TEMPLATE_NOT_FOUND',
        `no approved template "${name}" (${language}) on this number`,
      );
    }
    return found;
  }
}
