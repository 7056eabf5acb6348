// Random and mutated SpiderIPPool / SpiderSubnet / SpiderReservedIP bodies through the defaulting and validating
// webhooks over real HTTP (127.0.0.1), as CREATE, UPDATE and DELETE reviews. Every answer must be HTTP 200 with a
// well-formed review of the same uid; a denial carries an HTTP error code that is not 500 (500 is the server's answer
// to a handler that crashed) and a message; defaulting never denies; a patch is base64 of JSON-Patch operations
// that apply to the object, and defaulting its own output changes nothing (reinvocationPolicy: IfNeeded).
// The generators live in bench/fuzz-custom-resource-webhooks.ts, which runs 10,000 of them.
// Seeded: FUZZ_SEED and FUZZ_RUNS override the seed and the runs per endpoint.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnswerResult,
  checkAnswer,
  describeFailure,
  endpoints,
  type FuzzCase,
  type FuzzTarget,
  fuzzCase,
  type Outcome,
  problemsOf,
  startFuzzTarget,
} from '../../../bench/fuzz-custom-resource-webhooks.js';

const seed = Number(process.env.FUZZ_SEED ?? 20260110);
const numRuns = Number(process.env.FUZZ_RUNS ?? 300);

let target: FuzzTarget;

beforeAll(async () => {
  target = await startFuzzTarget();
});

afterAll(async () => {
  await target.close();
});

describe('custom resource webhooks under random and mutated bodies', () => {
  it.each(endpoints.map((endpoint, index) => ({ name: endpoint.name, endpoint, index })))(
    '$name answers every body with a well-formed review',
    async ({ endpoint, index }) => {
      const results = new Map<AnswerResult, number>();
      let minimal: Outcome | undefined;
      const details = await fc.check(
        fc.asyncProperty(fuzzCase(endpoint), async (c) => {
          const outcome = await target.send(c);
          results.set(outcome.result, (results.get(outcome.result) ?? 0) + 1);
          if (problemsOf(outcome).length === 0) return true;
          minimal = outcome; // while shrinking, the last failing run is the smallest
          return false;
        }),
        { seed: seed + index, numRuns, plugins: [fc.interruptAfterTimeLimit(60_000)] },
      );
      if (details.failed && minimal) {
        expect.fail(
          `${describeFailure(minimal)}\n(smallest of ${details.numShrinks} shrinks; replay with seed ${details.seed}, path "${details.counterexamplePath}")`,
        );
      }
      expect(details.failed).toBe(false);
      // Not vacuous: the bodies reach past the parsing into the rules, both ways.
      if (endpoint.mode === 'mutate') expect(results.get('patched') ?? 0).toBeGreaterThan(0);
      else expect(results.get('denied') ?? 0).toBeGreaterThan(0);
      expect(results.get('allowed') ?? 0).toBeGreaterThan(0);
    },
    180_000,
  );
});

describe("the fuzzer's checks of an answer", () => {
  const uid = '00000000-0000-4000-8000-000000000001';
  const caseFor = (name: string): FuzzCase => {
    const endpoint = endpoints.find((e) => e.name === name);
    if (!endpoint) throw new Error(`no endpoint named ${name}`);
    const object = { metadata: { name: 'p' }, spec: {} };
    return { endpoint, operation: 'CREATE', object, oldObject: null, view: 'valid', apiVersion: 'admission.k8s.io/v1', dryRun: false };
  };
  const review = (response: Record<string, unknown>) =>
    JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, ...response } });
  const patch = (ops: unknown) => Buffer.from(JSON.stringify(ops)).toString('base64');

  it.each([
    { title: 'an allowed answer', webhook: 'validate-spiderippool', status: 200, body: review({ allowed: true }), broken: [] },
    {
      title: 'a denial with a code and message',
      webhook: 'validate-spiderippool',
      status: 200,
      body: review({ allowed: false, status: { code: 422, reason: 'Invalid', message: 'spec.subnet: Required value' } }),
      broken: [],
    },
    {
      title: 'a patch that applies',
      webhook: 'mutate-spiderippool',
      status: 200,
      body: review({ allowed: true, patchType: 'JSONPatch', patch: patch([{ op: 'add', path: '/metadata/finalizers', value: ['x'] }]) }),
      broken: [],
    },
    { title: 'a non-200 status', webhook: 'validate-spiderippool', status: 400, body: 'malformed', broken: ['HTTP status'] },
    {
      title: 'another uid',
      webhook: 'validate-spiderippool',
      status: 200,
      body: review({ uid: 'other', allowed: true }),
      broken: ['review'],
    },
    {
      title: 'a crash answered as 500',
      webhook: 'validate-spiderippool',
      status: 200,
      body: review({ allowed: false, status: { code: 500, message: 'internal error in webhook x: boom' } }),
      broken: ['internal error'],
    },
    {
      title: 'a denial without a message',
      webhook: 'validate-spiderippool',
      status: 200,
      body: review({ allowed: false, status: { code: 422, message: ' ' } }),
      broken: ['denial'],
    },
    {
      title: 'a defaulting denial',
      webhook: 'mutate-spiderippool',
      status: 200,
      body: review({ allowed: false, status: { code: 422, message: 'no' } }),
      broken: ['defaulting denied'],
    },
    {
      title: 'a validating patch',
      webhook: 'validate-spiderippool',
      status: 200,
      body: review({ allowed: true, patchType: 'JSONPatch', patch: patch([{ op: 'remove', path: '/spec' }]) }),
      broken: ['patch'],
    },
    {
      title: 'a patch that is not base64',
      webhook: 'mutate-spiderippool',
      status: 200,
      body: review({ allowed: true, patchType: 'JSONPatch', patch: '***' }),
      broken: ['patch'],
    },
    {
      title: 'a patch that does not apply',
      webhook: 'mutate-spiderippool',
      status: 200,
      body: review({ allowed: true, patchType: 'JSONPatch', patch: patch([{ op: 'replace', path: '/status/x', value: 1 }]) }),
      broken: ['patch'],
    },
  ])('$title breaks $broken', ({ webhook, status, body, broken }) => {
    const c = caseFor(webhook);
    const answer = checkAnswer(c, uid, structuredClone(c.object), status, body);
    expect(answer.problems.map((p) => p.property)).toEqual(broken);
  });
});
