import { describe, expect, it } from 'vitest';
import { HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { gitHub } from '../support/github-nock.js';
import { createTestProbot, examplePayload } from '../support/probot.js';
import { appHarness } from '../support/app-harness.js';

const COMMENT_ID = 492700400; // the example payload's comment

/** `/slo-gate recheck` commented on pull request #2, shaped exactly like GitHub's own payload. */
const command = (login: string, changes: (payload: any) => void = () => {}) =>
  examplePayload(
    'issue_comment',
    (e) => e.action === 'created' && e.installation,
    (p) => {
      p.issue.number = 2;
      p.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/2' };
      p.comment.body = '/slo-gate recheck';
      p.comment.user.login = login;
      changes(p);
    },
  );

const harness = appHarness();
let deliveries = 0;

async function app() {
  const probot = await createTestProbot(fakeMetrics(HEALTHY), { store: harness.store() });
  return (payload: unknown) => probot.receive({ id: `command-${++deliveries}`, name: 'issue_comment', payload } as any);
}

describe('the /slo-gate recheck command from someone without triage permission', () => {
  it('answers a reader who comments the command five times in a row with one 👎 reaction and no comment', async () => {
    const gh = gitHub().token().reaction(COMMENT_ID);
    for (let i = 0; i < 5; i++) gh.permission('bob', 'read');
    const receive = await app();
    for (let i = 0; i < 5; i++) await receive(command('bob'));
    expect(gh.recorded.reactions).toEqual([{ commentId: COMMENT_ID, content: '-1' }]);
    expect(gh.recorded.created).toEqual([]);
    expect(gh.recorded.statuses).toEqual([]);
  });

  it('answers each person once, whatever case their login is written in', async () => {
    const gh = gitHub().token().permission('bob', 'read').permission('BOB', 'read').permission('carol', 'none').reaction(COMMENT_ID).reaction(COMMENT_ID);
    const receive = await app();
    await receive(command('bob'));
    await receive(command('BOB'));
    await receive(command('carol'));
    expect(gh.recorded.reactions).toHaveLength(2);
  });

  it('answers the same reader again on another pull request', async () => {
    const gh = gitHub().token().permission('bob', 'read').permission('bob', 'read').reaction(COMMENT_ID).reaction(COMMENT_ID);
    const receive = await app();
    await receive(command('bob'));
    await receive(command('bob', (p) => (p.issue.number = 3)));
    expect(gh.recorded.reactions).toHaveLength(2);
  });
});

describe('the /slo-gate recheck command is ignored, without a single request to GitHub,', () => {
  it.each([
    ['when a bot comments it', (p: any) => (p.comment.user.type = 'Bot')],
    ['on a closed pull request', (p: any) => (p.issue.state = 'closed')],
    ['on an issue that is not a pull request', (p: any) => delete p.issue.pull_request],
  ])('%s', async (_name, change) => {
    const receive = await app();
    await receive(command('bob', change));
  });
});
