import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ description: 'the bad field, dotted for nested ones (roles.associate.period)', example: 'amountMinor' })
  field!: string;
  @ApiProperty({ type: [String], example: ['amountMinor must be an integer number'] })
  reasons!: string[];
}

/** Every error answer has this shape; which fields are present depends on the kind of error. */
export class ErrorBodyDto {
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode!: number;
  @ApiPropertyOptional({ example: 'Bad Request' })
  error?: string;
  @ApiPropertyOptional({ example: 'validation failed' })
  message?: string;
  @ApiPropertyOptional({ description: 'machine-readable cause of a 403, 404, 409 or 503 (e.g. not_your_budget, idempotency_key_reused, overloaded)' })
  reason?: string;
  @ApiPropertyOptional({ type: [String], description: 'more about a refusal' })
  details?: string[];
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'each bad field and why (400 validation failed)' })
  errors?: FieldErrorDto[];
}
