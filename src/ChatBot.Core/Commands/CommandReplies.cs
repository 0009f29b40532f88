using System.Globalization;
using ChatBot.Core.Audit;
using ChatBot.Core.Conversations;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.Messages;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Commands;

/// <summary>What the bot answers to a command or to a message it cannot read, from its own state: no model call.</summary>
public sealed class CommandReplies(QuotaGate quotas, AskerDepartments departments, ConversationMemory memory, PauseSwitch pause, AuditTrail audit,
    TimeProvider clock, IOptionsMonitor<AnswerOptions> options)
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
            case AnswerKind.AdminOnly:
                return texts.AdminOnlyText;
            case AnswerKind.Paused:
                return await pause.CurrentAsync(cancellationToken) ?? texts.FailureText;
            case AnswerKind.QuotaReset:
                var user = Argument(message);
                await quotas.ResetAsync(message.Platform, user, cancellationToken);
                AuditAdmin(message, "quota-reset", user);
                return string.Format(CultureInfo.InvariantCulture, texts.QuotaResetText, user);
            case AnswerKind.Pause:
                await pause.PauseAsync(Argument(message));
                AuditAdmin(message, "pause", null);
                return texts.PausedText;
            case AnswerKind.Resume:
                await pause.ResumeAsync();
                AuditAdmin(message, "resume", null);
                return texts.ResumedText;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a command");
        }
    }

    private static string Argument(InboundMessage message) => ChatCommands.Parse(message.Text)?.Argument ?? "";

    // An admin line for what a bot admin did from the chat: who (as the platform names them), what, on whom — never the
    // pause text itself, which is the admin's words.
    private void AuditAdmin(InboundMessage message, string action, string? user) => audit.Write(new AuditRecord
    {
        Time = clock.GetUtcNow(),
        Event = "admin",
        Action = action,
        Platform = message.Platform.ToString().ToLowerInvariant(),
        Channel = message.Route.SenderKey,
        User = user is null ? null : Privacy.Pseudonym.Of(user),
        Actor = $"{Privacy.Pseudonym.Of(message.SenderId)} (Roles:Admins)",
    });
}
