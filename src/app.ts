import type { Probot } from 'probot';
import { onPullRequest, PULL_REQUEST_EVENTS, type GateDependencies } from './handlers/pull-request.js';

/** Wires webhook events to handlers, and nothing else. */
export function createApp(dependencies: GateDependencies) {
  return (app: Probot): void => {
    app.on([...PULL_REQUEST_EVENTS], onPullRequest(dependencies));
  };
}
