import { describe, expect, it } from 'vitest';
import { workSlots } from '../../src/targets/work-slots.js';

/** Work that runs until the test lets it finish, recording how many ran at once. */
function gatedWork() {
  let running = 0;
  let most = 0;
  const finish: Array<() => void> = [];
  const work = () =>
    new Promise<void>((resolve) => {
      running++;
      most = Math.max(most, running);
      finish.push(() => {
        running--;
        resolve();
      });
    });
  const finishOne = () => finish.shift()?.();
  /** Lets everything started finish, and what starts after it, until nothing runs. */
  const finishAll = async () => {
    while (finish.length > 0) {
      finishOne();
      await turn();
    }
  };
  return { work, finishOne, finishAll, started: () => finish.length, most: () => most };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('work slots', () => {
  it('never runs more than the limit at once, however much waits, and runs what waits in the order it came', async () => {
    const slots = workSlots(2);
    const gated = gatedWork();
    const order: number[] = [];
    const all = [1, 2, 3, 4, 5].map((n) => slots.wait(undefined, () => (order.push(n), gated.work())));
    await turn();
    expect([slots.running, slots.waiting]).toEqual([2, 3]);
    await gated.finishAll();
    await Promise.all(all);
    expect(gated.most()).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('queues a webhook instead of running it when every slot is taken, and runs it at once when one is free', async () => {
    const slots = workSlots(1);
    const gated = gatedWork();
    const queued: string[] = [];
    const first = slots.admit(undefined, gated.work, async () => void queued.push('first'));
    await turn();
    await slots.admit(undefined, gated.work, async () => void queued.push('second'));
    expect(queued).toEqual(['second']);
    expect(gated.started()).toBe(1);
    gated.finishOne();
    await first;
    const third = slots.admit(undefined, gated.work, async () => void queued.push('third'));
    await turn();
    expect(gated.started()).toBe(1);
    gated.finishOne();
    await third;
    expect(queued).toEqual(['second']);
  });

  it('queues behind work already waiting, so a webhook never jumps ahead of queued jobs', async () => {
    const slots = workSlots(1);
    const gated = gatedWork();
    const running = slots.wait(undefined, gated.work);
    const waiting = slots.wait(undefined, gated.work);
    await turn();
    gated.finishOne(); // the slot frees, but a job waits for it
    let queued = false;
    await slots.admit(undefined, gated.work, async () => void (queued = true));
    expect(queued).toBe(true);
    await running;
    await turn();
    gated.finishOne();
    await waiting;
  });

  it('does the work late rather than lose it when it cannot be queued (the store is unavailable)', async () => {
    const slots = workSlots(1);
    const gated = gatedWork();
    const first = slots.wait(undefined, gated.work);
    await turn();
    const second = slots.admit(undefined, gated.work, () => Promise.reject(new Error('store unavailable')));
    await turn();
    expect([slots.running, slots.waiting]).toEqual([1, 1]);
    gated.finishOne();
    await first;
    await turn();
    gated.finishOne();
    await second;
    expect(gated.most()).toBe(1);
  });

  it('gives one installation at most a quarter of the slots, so a burst in one organisation does not hold up another', async () => {
    const slots = workSlots(8);
    const burst = gatedWork();
    const other = gatedWork();
    const queuedFor: number[] = [];
    const flood = Array.from({ length: 20 }, () => slots.wait(1, burst.work));
    await turn();
    expect([burst.started(), slots.running, slots.waiting]).toEqual([2, 2, 18]);
    // Installation 1's webhooks queue themselves while its share is taken; installation 2's run at once.
    await slots.admit(1, burst.work, async () => void queuedFor.push(1));
    const runs = slots.admit(2, other.work, async () => void queuedFor.push(2));
    await turn();
    expect(queuedFor).toEqual([1]);
    expect(other.started()).toBe(1);
    other.finishOne();
    await runs;
    await burst.finishAll();
    await Promise.all(flood);
    expect(burst.most()).toBe(2);
    expect([slots.running, slots.waiting]).toEqual([0, 0]);
  });

  it('starts work named with no installation (a gate group reopening) at once, past the backlog of an installation', async () => {
    const slots = workSlots(8);
    const backlog = gatedWork();
    const urgent = gatedWork();
    const flood = Array.from({ length: 30 }, () => slots.wait(1, backlog.work));
    await turn();
    const reopening = slots.wait(undefined, urgent.work);
    await turn();
    expect(urgent.started()).toBe(1);
    urgent.finishOne();
    await reopening;
    await backlog.finishAll();
    await Promise.all(flood);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %s', (limit) => {
    expect(() => workSlots(limit)).toThrow(RangeError);
  });
});
