import { hello } from '#domain';
export const two: number = hello(1);
