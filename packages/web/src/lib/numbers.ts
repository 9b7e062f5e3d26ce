/**
 * The tenant's WhatsApp numbers as the inbox shows them: loaded from
 * `GET /api/instances` with the views (live.ts), then kept current by
 * `instance_status` events. The rules are in instances.ts.
 */
import type { InstanceStatusEvent } from '@newton/protocol';
import { writable } from 'svelte/store';
import { api } from './api.js';
import { applyStatus, type NumberStatus } from './instances.js';

class NumbersStore {
  readonly items = writable<NumberStatus[]>([]);
  private list: NumberStatus[] = [];
  /** Events that arrived while a load was on its way: applied over its answer. */
  private pending: NumberStatus[] | null = null;
  private generation = 0;

  /** (Re)loads every number of the tenant; events heard meanwhile win over the answer. */
  async reload(): Promise<void> {
    const gen = ++this.generation;
    this.pending = [];
    try {
      const { items } = await api<{ items: NumberStatus[] }>('/api/instances');
      if (gen !== this.generation) return;
      this.set((this.pending ?? []).reduce(applyStatus, items));
    } catch {
      // An older server without the endpoint, or a refused token (api.ts ends the session): keep what we have.
    } finally {
      if (gen === this.generation) this.pending = null;
    }
  }

  onStatus(e: InstanceStatusEvent): void {
    this.pending?.push(e.instance);
    this.set(applyStatus(this.list, e.instance));
  }

  clear(): void {
    this.generation++;
    this.pending = null;
    this.set([]);
  }

  private set(list: NumberStatus[]): void {
    this.list = list;
    this.items.set(list);
  }
}

export const numbers = new NumbersStore();
