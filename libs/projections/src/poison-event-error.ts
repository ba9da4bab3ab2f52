/**
 * Thrown for an event a projection cannot apply because of its data: the runner parks it and
 * goes on. (No imports: pure domain code extends it.)
 */
export class PoisonEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonEventError';
  }
}
