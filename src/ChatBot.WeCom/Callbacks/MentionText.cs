namespace ChatBot.WeCom.Callbacks;

/// <summary>
/// WeCom keeps the bot's @-mention in group text ("@RobotA hello", wecom.md §2); the model should see "hello".
/// </summary>
internal static class MentionText
{
    public static string Strip(string text, string mentionName, bool group)
    {
        if (!string.IsNullOrEmpty(mentionName))
        {
            return text.Replace("@" + mentionName, "", StringComparison.Ordinal).Trim();
        }

        var trimmed = text.TrimStart();
        if (!group || !trimmed.StartsWith('@'))
        {
            return text.Trim();
        }

        // Without a configured name, the leading mention is the bot's: WeCom only delivers group messages that @ it.
        var end = trimmed.IndexOfAny([' ', '\u2005', '\u00a0', '\n']);
        return end < 0 ? "" : trimmed[(end + 1)..].Trim();
    }
}
