/** A new chat: the layout's ChatApp shows it. */
export default function NewChat() {
  return null;
}
