import { DynamicModule, Module, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { addDays, EnrollmentModule, MethodsModule, TwofoldModule } from '../../src';
import { SmsCodeEntity } from './entities/sms-code.entity';
import { SmsPhoneEntity } from './entities/sms-phone.entity';
import { SmsTables1797000000000 } from './migrations/1797000000000-SmsTables';
import { SmsCodesService } from './sms-codes.service';
import { SmsEnrollmentResolver } from './sms-enrollment.resolver';
import { SmsGateway } from './sms-gateway';
import { SmsMethodHandler } from './sms-method.handler';

export interface SmsModuleOptions {
  /** The class that sends texts (FakeSmsGateway in tests). */
  gateway: Type<SmsGateway>;
}

/**
 * An integrator's second factor, SMS, built only from Twofold's public
 * barrel (src/index.ts): its handler (both halves of the method contract),
 * its tables and migration, its retention rule, its enrollment mutations.
 * Import SmsModule.register({ gateway }) into TwofoldModule.forRoot({ imports }).
 */
@Module({})
export class SmsModule {
  static register(options: SmsModuleOptions): DynamicModule {
    return {
      module: SmsModule,
      imports: [
        TwofoldModule.forFeature({
          name: 'sms',
          entities: [SmsPhoneEntity, SmsCodeEntity],
          migrations: [SmsTables1797000000000],
          // Codes a day past their expiry are gone (sms_codes.expiresAt is indexed).
          retention: [{ entity: SmsCodeEntity, where: (now) => ({ sql: 'row.expiresAt < :cutoff', parameters: { cutoff: addDays(now, -1) } }) }],
          // Its codes are keyed hashes: the key ring keeps a retired key while a live code may need it.
          keyedDigests: [{ label: 'SMS codes', entity: SmsCodeEntity, column: 'salt', alive: 'row.expiresAt > :now AND row.usedAt IS NULL', until: 'expiresAt' }],
        }),
        TypeOrmModule.forFeature([SmsPhoneEntity, SmsCodeEntity]),
        MethodsModule,
        EnrollmentModule,
      ],
      providers: [SmsCodesService, SmsMethodHandler, SmsEnrollmentResolver, { provide: SmsGateway, useClass: options.gateway }],
      exports: [SmsGateway],
    };
  }
}
