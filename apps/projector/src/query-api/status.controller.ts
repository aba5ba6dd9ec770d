import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ProjectorStatus } from './projector-status.js';
import { PROJECTION_STATUS } from './tokens.js';

@ApiTags('read models')
@ApiBearerAuth()
@Controller('projections')
export class StatusController {
  constructor(@Inject(PROJECTION_STATUS) private readonly status: () => Promise<ProjectorStatus>) {}

  @Get('status')
  @ApiOperation({ summary: 'How far the read models are behind the head of the log (events and seconds), and the projector counters (any authenticated caller)' })
  async get() {
    return this.status();
  }
}
