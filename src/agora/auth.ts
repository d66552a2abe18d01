/** Agora RESTful API authentication (agora.md §1.2). */
export interface AgoraCredentials {
  customerId: string;
  customerSecret: string;
}

export function basicAuthorization(c: AgoraCredentials): string {
  return `Basic ${Buffer.from(`${c.customerId}:${c.customerSecret}`).toString('base64')}`;
}
