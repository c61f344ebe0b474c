import { secondsUntil } from '@app/clock';
import { Injectable } from '@nestjs/common';
import { DomainException } from '../../common/errors/domain.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { SendBudget } from '../attempts/send-budget.service';
import { DeliveryReceipt, DeliveryRequest, TwoFactorMethodHandler } from './two-factor-method.handler';

/** Why nothing was sent. */
export type DeliveryRefusal = { refused: 'budget'; availableAt: Date } | { refused: 'no-mail-server' };

/**
 * Every code a method sends, at sign-in or at enrollment, is charged to the
 * user's hourly send budget here; a send that fails gives its charge back.
 */
@Injectable()
export class CodeDelivery {
  constructor(private readonly budget: SendBudget) {}

  /**
   * Sends through the method, or says why not: the budget is spent, or
   * (only with `softMailServer`) no mail server is configured. Other errors
   * are thrown, with the charge given back.
   */
  async send(handler: TwoFactorMethodHandler, request: DeliveryRequest, options: { softMailServer?: boolean } = {}): Promise<DeliveryReceipt | DeliveryRefusal> {
    if (!handler.deliver) throw new DomainException(ErrorCode.METHOD_NOT_AVAILABLE, `${handler.method} sends nothing.`);
    const refusal = await this.budget.take(request.userId, request.now);
    if (refusal) return { refused: 'budget', availableAt: refusal.availableAt };
    try {
      return await handler.deliver(request);
    } catch (error) {
      await this.budget.giveBack(request.userId);
      if (options.softMailServer && error instanceof DomainException && error.code === ErrorCode.SMTP_NOT_CONFIGURED) return { refused: 'no-mail-server' };
      throw error;
    }
  }

  /**
   * Sends through the method when the user asked for a code (a resend, an
   * enrollment): RATE_LIMITED when the budget is spent. `undo` gives back
   * the caller's own claim (its resend cooldown) whenever nothing was sent.
   */
  async sendOrRefuse(handler: TwoFactorMethodHandler, request: DeliveryRequest, undo: () => Promise<void>): Promise<DeliveryReceipt> {
    let result: DeliveryReceipt | DeliveryRefusal;
    try {
      result = await this.send(handler, request);
    } catch (error) {
      await undo();
      throw error;
    }
    if (!isRefusal(result)) return result;
    await undo();
    const retryAfterSeconds = result.refused === 'budget' ? Math.max(1, secondsUntil(result.availableAt, request.now)) : 1;
    throw new DomainException(ErrorCode.RATE_LIMITED, 'Too many codes were sent to you in the last hour. Please try again later.', { retryAfterSeconds });
  }

  /** When the user's hourly budget lets a code be sent again, or null when it does now. */
  budgetAvailableAt(userId: string): Promise<Date | null> {
    return this.budget.hourlyAvailableAt(userId);
  }
}

export function isRefusal(result: DeliveryReceipt | DeliveryRefusal): result is DeliveryRefusal {
  return 'refused' in result;
}
