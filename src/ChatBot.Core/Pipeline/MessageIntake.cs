using System.Security.Cryptography;
using ChatBot.Core.Claims;
using ChatBot.Core.Commands;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using ChatBot.Core.Roles;
using ChatBot.Core.Screening;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The one door every verified message goes through: claim → command, pause, media, length, screen → charge → queue,
/// inside <see cref="IntakeOptions.Deadline"/>. It never runs the bot; it decides what the message is answered with
/// (a <see cref="AnswerRequest"/> of its <see cref="AnswerKind"/>) and hands it on: notices to
/// <see cref="IntakeNotices"/>, the enqueue and the claim's acceptance or give-back to <see cref="IntakeSettlement"/>.
/// The platform hears "taken" only once the job is durably queued.
/// </summary>
public sealed partial class MessageIntake(
    IClaimStore claims,
    SensitiveWordScreener screener,
    QuotaGate quotas,
    IOptionsMonitor<IntakeOptions> options,
    IOptionsMonitor<AnswerOptions> answerOptions,
    IOptionsMonitor<RoleOptions> roles,
    PauseSwitch pause,
    IntakeNotices notices,
    IntakeSettlement settlement,
    TimeProvider clock,
    ChatBotMetrics metrics,
    ILogger<MessageIntake> logger)
{
    /// <param name="startedAt">
    /// When the platform's request began (<see cref="TimeProvider.GetTimestamp"/>), where the adapter spent part of the
    /// deadline before intake (DingTalk's header binding): <see cref="IntakeOptions.Deadline"/> counts from there.
    /// </param>
    public async Task<IntakeOutcome> AcceptAsync(InboundMessage message, CancellationToken cancellationToken, long? startedAt = null)
    {
        var settings = options.CurrentValue;
        var attempt = new IntakeAttempt(message, NewOwner(), startedAt ?? clock.GetTimestamp(), settings.Deadline, clock);
        try
        {
            var claim = await attempt.Within(claims.TryClaimAsync(message.DedupeKey, attempt.Owner, settings.PendingClaimTtl, cancellationToken).AsTask(), cancellationToken);
            if (claim != ClaimState.Claimed)
            {
                return settlement.Log(attempt, claim == ClaimState.Accepted ? IntakeOutcome.Duplicate : IntakeOutcome.InProgress,
                    claim == ClaimState.Accepted ? "duplicate" : "in-progress");
            }
        }
        catch (Exception ex) when (IntakeAttempt.IsSystemFailure(ex))
        {
            // The claim may have landed after all: the release is queued behind it on the same connection.
            settlement.GiveBackLater(attempt, charged: false);
            return settlement.Unavailable(attempt, "dedupe", ex);
        }

        // Commands are answered from the bot's own state, never the model, never charged; an admin's only for an admin.
        if (message.Media is null && ChatCommands.Parse(message.Text) is { } command)
        {
            var kind = ChatCommands.ForAdmins(command.Kind) && !roles.CurrentValue.IsAdmin(message.Platform, message.SenderId) ? AnswerKind.AdminOnly : command.Kind;
            return await settlement.EnqueueAsync(attempt, new AnswerRequest(message, kind, ClaimOwner: attempt.Owner), "command", cancellationToken);
        }

        string? paused;
        try
        {
            paused = await attempt.Within(pause.CurrentAsync(cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (IntakeAttempt.IsSystemFailure(ex))
        {
            settlement.GiveBackLater(attempt, charged: false);
            return settlement.Unavailable(attempt, "pause", ex);
        }

        if (paused is not null && !roles.CurrentValue.IsAdmin(message.Platform, message.SenderId))
        {
            return await notices.OnceAsync(attempt, AnswerKind.Paused, "paused", IntakeNotices.PausedInterval, cancellationToken);
        }

        if (message.Media is not null)
        {
            return await notices.OnceAsync(attempt, AnswerKind.TextOnly, "text-only", IntakeNotices.TextOnlyInterval, cancellationToken);
        }

        // Longer than the model can take: said at once, no inference, no charge — it would fail the same on every try.
        if (message.Text.Length > answerOptions.CurrentValue.MaxQuestionChars)
        {
            return await settlement.EnqueueAsync(attempt, new AnswerRequest(message, AnswerKind.TooLong, ClaimOwner: attempt.Owner), "too-long", cancellationToken);
        }

        // Refused input: a neutral refusal, no inference, and no quota charged (the user did not get an answer).
        var hits = screener.Find(message.Text);
        if (hits.Count > 0)
        {
            LogScreened(logger, message.Platform, LogId.Hash(message.MessageId), hits.Count, string.Join(",", hits.Select(h => h.Category).Distinct()));
            foreach (var hit in hits)
            {
                metrics.ScreeningHit("input", hit.Category);
            }

            return await settlement.EnqueueAsync(attempt, new AnswerRequest(message, AnswerKind.RefusedInput, ClaimOwner: attempt.Owner), "refused-input", cancellationToken);
        }

        QuotaDecision decision;
        try
        {
            decision = await attempt.Within(quotas.ChargeAsync(message, cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (IntakeAttempt.IsSystemFailure(ex))
        {
            // A charge that landed unseen is refunded (it is keyed by the message, so nothing else is).
            settlement.GiveBackLater(attempt, charged: true);
            return settlement.Unavailable(attempt, "quota", ex);
        }

        attempt = attempt with { Quota = decision };
        if (!decision.Allowed)
        {
            return await notices.OverQuotaAsync(attempt, decision, cancellationToken);
        }

        var answer = new AnswerRequest(message, AnswerKind.Inference, decision.Charged, ClaimOwner: attempt.Owner,
            Welcome: await notices.WelcomeDueAsync(attempt, cancellationToken));
        return await settlement.EnqueueAsync(attempt, answer, "accepted", cancellationToken);
    }

    private static string NewOwner() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Input screened {Platform} msg={MessageHash}: {Hits} hits, categories {Categories}")]
    private static partial void LogScreened(ILogger logger, Platform platform, string messageHash, int hits, string categories);
}
