using ChatBot.Core.Queue;

namespace ChatBot.Core.Commands;

/// <summary>
/// The commands an employee may type, in Chinese or English, alone in the message (in a group, after the @-mention the
/// adapter strips): <c>/help</c> 帮助, <c>/quota</c> 额度, <c>/clear</c> 清除. A slash is optional for the Chinese words
/// and required for the English ones, so "help me with my leave" stays a question. They never reach the model and
/// cost no quota.
/// </summary>
public static class ChatCommands
{
    private static readonly Dictionary<string, AnswerKind> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        ["/help"] = AnswerKind.Help,
        ["/帮助"] = AnswerKind.Help,
        ["帮助"] = AnswerKind.Help,
        ["/quota"] = AnswerKind.QuotaStatus,
        ["/额度"] = AnswerKind.QuotaStatus,
        ["额度"] = AnswerKind.QuotaStatus,
        ["/clear"] = AnswerKind.Clear,
        ["/清除"] = AnswerKind.Clear,
        ["清除"] = AnswerKind.Clear,
    };

    /// <returns>The command's answer kind, or null when the text is not a command.</returns>
    public static AnswerKind? Parse(string text)
    {
        var trimmed = text.Trim().TrimEnd('。', '.', '!', '！');
        // Full-width slash from a Chinese keyboard counts as a slash.
        trimmed = trimmed.Replace('／', '/');
        return trimmed.Length <= 8 && Words.TryGetValue(trimmed, out var kind) ? kind : null;
    }
}
