/**
 * A call's flow variables: strings by name. `caller_number`, `destination_number` and
 * `call_id` are set at the start; set/collect/lookup nodes add more. Text prompts, lookup
 * URLs and set values may use `${name}`.
 */
export class Variables {
  readonly #values = new Map<string, string>();
  #changed: Record<string, string> = {};

  constructor(initial: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(initial)) this.#values.set(k, v);
  }

  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  set(name: string, value: string): void {
    this.#values.set(name, value);
    this.#changed[name] = value;
  }

  /** Substitutes `${name}`; unknown names become ''. */
  render(template: string): string {
    return template.replace(/\$\{([A-Za-z_][A-Za-z0-9_.]*)\}/g, (_m, name: string) => this.#values.get(name) ?? '');
  }

  /** Changes since the last call (for the trail), then forgets them. */
  takeChanges(): Record<string, string> | undefined {
    const c = this.#changed;
    this.#changed = {};
    return Object.keys(c).length > 0 ? c : undefined;
  }

  toJSON(): Record<string, string> {
    return Object.fromEntries(this.#values);
  }
}
