/** A conversation: the layout's ChatApp reads the id from the URL and shows it. */
export default function ConversationPage() {
  return null;
}
