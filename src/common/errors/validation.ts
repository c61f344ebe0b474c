import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainException } from './domain.exception';

function firstProblem(errors: ValidationError[], prefix = ''): { field: string; message: string } {
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const message = error.constraints ? Object.values(error.constraints)[0] : undefined;
    if (message) return { field, message };
    if (error.children?.length) return firstProblem(error.children, field);
  }
  return { field: prefix || 'input', message: 'The input is not valid.' };
}

/** class-validator on every input type; a failure is BAD_USER_INPUT naming the field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidUnknownValues: false,
    exceptionFactory: (errors) => {
      const { field, message } = firstProblem(errors);
      return DomainException.badInput(field, message);
    },
  });
}
