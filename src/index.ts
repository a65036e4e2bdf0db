import type { Probot } from 'probot';
import { createApp } from './app.js';
import { loadOperatorConfig } from './config.js';
import { createPrometheusClient } from './metrics/prometheus-client.js';

/** Entry point for `probot run`: reads the operator's environment once, then wires the app. */
export default function sloGate(app: Probot): void {
  const config = loadOperatorConfig(process.env);
  createApp({ metrics: createPrometheusClient(config.prometheus) })(app);
}
