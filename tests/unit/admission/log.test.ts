import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../admission/index.js';
import { collectLogs } from './fixtures.js';

describe('createLogger', () => {
  it('writes JSON lines with a string level, an ISO time and msg', () => {
    const { lines, destination } = collectLogs();
    const log = createLogger({ level: 'info', component: 'admission-ipam', destination });
    log.info({ uid: 'u-1', webhook: 'mutate-pod' }, 'admission request answered');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: 'info',
      msg: 'admission request answered',
      component: 'admission-ipam',
      uid: 'u-1',
      webhook: 'mutate-pod',
    });
    expect(line).toHaveProperty('pid', process.pid);
    expect(line).toHaveProperty('hostname');
    expect(line?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('gives a request logger one name key, and none for a Pod not yet named', () => {
    const { lines, raw, destination } = collectLogs();
    const log = createLogger({ component: 'admission-ipam', destination });
    log.child({ uid: 'u-3', kind: 'Pod', namespace: 'default', name: 'web-0' }).info('admission request answered');
    log.child({ uid: 'u-4', kind: 'Pod', namespace: 'default', name: undefined }).info('admission request answered');
    expect(raw[0]?.match(/"name":/g)).toHaveLength(1);
    expect(lines[0]).toMatchObject({ name: 'web-0', component: 'admission-ipam' });
    expect(raw[1]).not.toContain('"name"');
  });

  it('honours the level option', () => {
    const { lines, destination } = collectLogs();
    const log = createLogger({ level: 'warn', destination });
    log.info('not written');
    log.warn('written');
    expect(lines.map((line) => line.msg)).toEqual(['written']);
  });

  it('puts errors under err with message, stack and cause', () => {
    const { lines, destination } = collectLogs();
    const log = createLogger({ destination }).child({ uid: 'u-2' });
    log.error({ err: new Error('reserve failed', { cause: new Error('409 Conflict') }) }, 'admission handler failed');
    expect(lines[0]).toMatchObject({ uid: 'u-2', err: { type: 'Error', message: 'reserve failed' } });
    expect(JSON.stringify(lines[0])).toContain('409 Conflict');
  });

  it('redacts TLS keys and tokens but keeps a work-queue key', () => {
    const { lines, destination } = collectLogs();
    const log = createLogger({ destination });
    log.info(
      {
        tls: { key: '-----BEGIN RSA PRIVATE KEY-----', cert: 'public' },
        kubeconfig: { token: 'eyJhbGciOi', keyPem: 'secret' },
        headers: { authorization: 'Bearer abc' },
        key: 'default/web-0',
      },
      'loaded',
    );
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('eyJhbGciOi');
    expect(text).not.toContain('Bearer abc');
    expect(text).not.toContain('secret');
    expect(lines[0]).toMatchObject({ tls: { key: '[redacted]', cert: 'public' }, key: 'default/web-0' });
  });
});
