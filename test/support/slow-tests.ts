import { SLOW_TEST_TIMEOUT_MS } from './eventually';

// Integration and e2e tests start real services and processes: their deadline is about
// correctness (a hang fails), never about speed, so a busy machine passes.
jest.setTimeout(SLOW_TEST_TIMEOUT_MS);
