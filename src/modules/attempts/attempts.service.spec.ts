import { ManualClock } from '@app/clock';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { DomainException } from '../../common/errors/domain.exception';
import { DEFAULT_POLICY } from '../policy/policy.types';
import { AttemptsService } from './attempts.service';

/** A repository whose row can never be written or read (e.g. the table is being rebuilt). */
function unwritableRepository() {
  const builder = (kind: 'update' | 'insert') => {
    const steps: Record<string, unknown> = {};
    for (const step of ['update', 'set', 'where', 'andWhere', 'setParameters', 'values', 'updateEntity']) steps[step] = () => steps;
    steps.insert = () => builder('insert');
    steps.execute = async () => {
      if (kind === 'insert') throw new QueryFailedError('INSERT', [], new Error('duplicate'));
      return { affected: 0 };
    };
    return steps;
  };
  return {
    createQueryBuilder: () => builder('update'),
    findOneBy: async () => null,
  };
}

describe('AttemptsService', () => {
  it('a claim that can find no row answers RATE_LIMITED (retry), never a bare Error', async () => {
    const service = new AttemptsService(unwritableRepository() as never, new ManualClock(0));
    const error = await service.claim('u1', { ...DEFAULT_POLICY, updatedAt: new Date(0) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainException);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
  });
});
