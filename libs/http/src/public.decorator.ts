import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'gesture-ledger:public';
/** Marks a route that needs no bearer token (documentation, health). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
