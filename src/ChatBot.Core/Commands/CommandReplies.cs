using System.Globalization;
using ChatBot.Core.Conversations;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.Messages;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Commands;

/// <summary>What the bot answers to a command or to a message it cannot read, from its own state: no model call.</summary>
public sealed class CommandReplies(QuotaGate quotas, AskerDepartments departments, ConversationMemory memory, IOptionsMonitor<AnswerOptions> options)
{
    public async Task<string> ReplyAsync(AnswerKind kind, InboundMessage message, CancellationToken cancellationToken)
    {
        var texts = options.CurrentValue;
        switch (kind)
        {
            case AnswerKind.Help:
                return texts.HelpText;
            case AnswerKind.Clear:
                await memory.ForgetAsync(message, cancellationToken);
                return texts.ClearedText;
            case AnswerKind.TextOnly:
                return texts.TextOnlyText;
            case AnswerKind.QuotaStatus:
                // The same rule the next charge meets: the sender's departments are looked up as a charge would.
                var standing = await quotas.StandingAsync(message, await quotas.DepartmentsIfNeededAsync(message, departments), cancellationToken);
                if (standing.Limit is not { } limit)
                {
                    return texts.QuotaUnlimitedText;
                }

                return string.Format(CultureInfo.InvariantCulture, texts.QuotaStatusText, Math.Max(0, limit - standing.Used), limit,
                    standing.ResetsAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a command");
        }
    }
}
