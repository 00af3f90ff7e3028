import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope, Scope, type Principal } from '@tally/http';

/** Who the console's token belongs to: the sign-in form's check that the token is accepted. */
@ApiTags('console')
@Controller('api/session')
@RequireScope(Scope.Admin)
export class SessionController {
  @Get()
  @ApiOperation({ summary: "The signed-in operator (the token's subject and scopes)" })
  whoAmI(@CurrentPrincipal() principal: Principal): { subject: string; scopes: string[] } {
    return { subject: principal.subject, scopes: [...principal.scopes].sort() };
  }
}
