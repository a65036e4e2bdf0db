import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { freePort } from '../support/prometheus-harness.js';
import { annotationTags, createGrafana, GRAFANA_TIMEOUT_MS, loadGrafanaConfig } from '../../src/integrations/grafana.js';

const GRAFANA = 'https://grafana.example.com';
const TIME = new Date('2026-11-22T10:00:00.123Z');

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending, 'requests the test expected but were never made').toEqual([]);
});

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadGrafanaConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadGrafanaConfig', () => {
  it('posts no markers when neither variable is set', () => {
    expect(loadGrafanaConfig({})).toBeUndefined();
    expect(loadGrafanaConfig({ GRAFANA_URL: ' ', GRAFANA_TOKEN: '' })).toBeUndefined();
  });

  it('reads both variables, with a bounded timeout', () => {
    expect(loadGrafanaConfig({ GRAFANA_URL: `${GRAFANA}/grafana`, GRAFANA_TOKEN: 'glsa_abc' })).toEqual({
      url: `${GRAFANA}/grafana`,
      token: 'glsa_abc',
      timeoutMs: GRAFANA_TIMEOUT_MS,
    });
  });

  it('names the variable that is missing when only one is set', () => {
    expect(configError({ GRAFANA_TOKEN: 'glsa_abc' }).variable).toBe('GRAFANA_URL');
    expect(configError({ GRAFANA_URL: GRAFANA }).variable).toBe('GRAFANA_TOKEN');
  });

  it('refuses a URL that is not http(s), is not a URL, or carries credentials', () => {
    expect(configError({ GRAFANA_URL: 'ftp://grafana', GRAFANA_TOKEN: 't' }).message).toBe('GRAFANA_URL: must be an http:// or https:// URL, not ftp:');
    expect(configError({ GRAFANA_URL: 'grafana:3000/x y', GRAFANA_TOKEN: 't' }).variable).toBe('GRAFANA_URL');
    expect(configError({ GRAFANA_URL: 'https://admin:secret@grafana', GRAFANA_TOKEN: 't' }).message).toContain('must not contain credentials');
  });

  it('refuses a token with white space inside, which would forge headers', () => {
    expect(configError({ GRAFANA_URL: GRAFANA, GRAFANA_TOKEN: 'abc\r\nX-Evil: 1' }).variable).toBe('GRAFANA_TOKEN');
  });
});

describe('annotating a deployment in Grafana', () => {
  const grafana = (timeoutMs = 1000) => createGrafana({ url: `${GRAFANA}/grafana/`, token: 'glsa_abc', timeoutMs });

  it('posts the time in epoch milliseconds, the tags and the text, with the bearer token', async () => {
    const bodies: unknown[] = [];
    nock(GRAFANA, { reqheaders: { authorization: 'Bearer glsa_abc' } })
      .post('/grafana/api/annotations', (body) => bodies.push(body) > 0)
      .reply(200, { id: 17, message: 'Annotation added' });
    const result = await grafana().annotate({ time: TIME, tags: annotationTags('Codertocat/Hello-World', 'production'), text: 'Deployed ec26c3e' });
    expect(result).toEqual({ ok: true, id: 17 });
    expect(bodies).toEqual([{ time: TIME.getTime(), tags: ['deploy', 'slo-gate', 'Codertocat/Hello-World', 'production'], text: 'Deployed ec26c3e' }]);
  });

  it('adds tags after the four every marker has', () => {
    expect(annotationTags('o/r', 'staging', 'regression')).toEqual(['deploy', 'slo-gate', 'o/r', 'staging', 'regression']);
  });

  it("returns Grafana's refusal with its status and message, without throwing", async () => {
    nock(GRAFANA).post('/grafana/api/annotations').reply(401, { message: 'invalid API key' });
    expect(await grafana().annotate({ time: TIME, tags: [], text: 'x' })).toEqual({
      ok: false,
      problem: 'Grafana at https://grafana.example.com answered HTTP 401 to POST /api/annotations: invalid API key',
    });
  });

  it('gives up on a Grafana that does not answer within the timeout', async () => {
    nock(GRAFANA).post('/grafana/api/annotations').delay(500).reply(200, { id: 1 });
    const started = Date.now();
    const result = await grafana(50).annotate({ time: TIME, tags: [], text: 'x' });
    expect(result).toEqual({ ok: false, problem: 'Grafana at https://grafana.example.com did not take the annotation: no answer within 50 ms' });
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('returns a connection failure, and never the token, in the problem', async () => {
    nock.enableNetConnect('127.0.0.1');
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await createGrafana({ url, token: 'glsa_abc', timeoutMs: 1000 }).annotate({ time: TIME, tags: [], text: 'x' });
    expect(result).toEqual({ ok: false, problem: `Grafana at ${url} did not take the annotation: ECONNREFUSED` });
    expect(JSON.stringify(result)).not.toContain('glsa_abc');
  });
});
