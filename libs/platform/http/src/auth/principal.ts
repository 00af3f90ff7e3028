/** Who is calling, as proven by a verified bearer token. */
export interface Principal {
  /** The token's `sub`: the owner id this caller acts as. */
  subject: string;
  scopes: ReadonlySet<string>;
}

/** Scopes separate writing from reading; `tally:admin` may act on and read every owner's accounts. */
export const Scope = {
  Write: 'tally:write',
  Read: 'tally:read',
  Admin: 'tally:admin',
} as const;

export const isAdmin = (principal: Principal): boolean => principal.scopes.has(Scope.Admin);

/** An owner acts on and reads only what they own; an admin, anything. */
export const mayAccess = (principal: Principal, ownerId: string | undefined): boolean =>
  isAdmin(principal) || (ownerId !== undefined && ownerId === principal.subject);
