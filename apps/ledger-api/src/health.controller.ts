import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { GestureLedger } from '#ledger';
import { Public } from '#http';
import { GESTURE_LEDGER } from './tokens.js';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(@Inject(GESTURE_LEDGER) private readonly ledger: GestureLedger) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready once the event store answers and a policy is in force. */
  @Get('ready')
  async ready() {
    try {
      await this.ledger.store.headPosition();
    } catch (error) {
      throw new ServiceUnavailableException({ status: 'unavailable', eventStore: (error as Error).message });
    }
    if (!this.ledger.policies.published) throw new ServiceUnavailableException({ status: 'unavailable', policy: 'none published' });
    return { status: 'ok' };
  }
}
