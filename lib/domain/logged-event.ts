/** A notification or an API write as the event log keeps it: for audit and for re-folds. */
export interface LoggedEvent {
  messageId: string;
  eventType: string;
  at: Date;
  raw: string;
}
