import { createMemoryStore } from '../../src/state/memory-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('in-memory', ({ backoffMs }) => createMemoryStore({ backoffMs }));
