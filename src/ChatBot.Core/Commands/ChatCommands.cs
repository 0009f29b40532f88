using ChatBot.Core.Queue;

namespace ChatBot.Core.Commands;

/// <summary>
/// The commands that may be typed, in Chinese or English, at the start of a message (in a group, after the
/// @-mention the adapter strips). Everyone: <c>/help</c> 帮助, <c>/quota</c> 额度, <c>/clear</c> 清除 — alone in the
/// message; a slash is optional for the Chinese words and required for the English ones, so "help me with my leave"
/// stays a question. Bot admins (<c>Roles:Admins</c>): <c>/quota reset USER</c> 重置额度, <c>/pause TEXT</c> 暂停,
/// <c>/resume</c> 恢复, slash required. Commands never reach the model and cost no quota.
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
        ["/resume"] = AnswerKind.Resume,
        ["/恢复"] = AnswerKind.Resume,
    };

    /// <summary>Admin commands that take an argument: the word, then a space, then the rest.</summary>
    private static readonly Dictionary<string, AnswerKind> WithArgument = new(StringComparer.OrdinalIgnoreCase)
    {
        ["/quota reset"] = AnswerKind.QuotaReset,
        ["/重置额度"] = AnswerKind.QuotaReset,
        ["/pause"] = AnswerKind.Pause,
        ["/暂停"] = AnswerKind.Pause,
    };

    /// <returns>The command's answer kind and its argument (empty when it takes none), or null when the text is not a command.</returns>
    public static (AnswerKind Kind, string Argument)? Parse(string text)
    {
        // Full-width slash and space from a Chinese keyboard count as their ASCII forms.
        var trimmed = text.Trim().Replace('／', '/').Replace('\u3000', ' ');
        if (Words.TryGetValue(trimmed.TrimEnd('。', '.', '!', '！'), out var kind))
        {
            return (kind, "");
        }

        foreach (var (word, command) in WithArgument)
        {
            if (trimmed.StartsWith(word + " ", StringComparison.OrdinalIgnoreCase) && trimmed[(word.Length + 1)..].Trim() is { Length: > 0 } argument)
            {
                return (command, argument);
            }
        }

        return null;
    }

    /// <summary>Whether only a bot admin may run the command.</summary>
    public static bool ForAdmins(AnswerKind kind) => kind is AnswerKind.QuotaReset or AnswerKind.Pause or AnswerKind.Resume;
}
