using System.Diagnostics;
using System.Security.Cryptography;
using ChatBot.Core.Dedupe;
using ChatBot.Core.Audit;
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
/// The one door every verified message goes through: claim → screen → charge → enqueue → accept, inside
/// <see cref="IntakeOptions.Deadline"/>. It never runs the bot; it decides and queues. The platform hears "taken"
/// only once the job is durably queued; when a step fails or is too slow, what this delivery took (its claim, its
/// charge) is given back in the order it was taken, so the platform's retry starts clean — and when the outcome
/// of the enqueue itself is unknown, the claim store decides between this give-back and the job (see
/// <see cref="IDedupeStore"/>).
/// </summary>
public sealed partial class MessageIntake(
    IDedupeStore dedupe,
    SensitiveWordScreener screener,
    QuotaGate quotas,
    IAnswerQueue queue,
    IOptionsMonitor<IntakeOptions> options,
    IOptionsMonitor<QuotaOptions> quotaOptions,
    IOptionsMonitor<AnswerOptions> answerOptions,
    IOptionsMonitor<RoleOptions> roles,
    PauseSwitch pause,
    TimeProvider clock,
    ChatBotMetrics metrics,
    AuditTrail audit,
    ILogger<MessageIntake> logger)
{
    /// <param name="startedAt">
    /// When the platform's request began (<see cref="TimeProvider.GetTimestamp"/>), where the adapter spent part of the
    /// deadline before intake (DingTalk's header binding): <see cref="IntakeOptions.Deadline"/> counts from there.
    /// </param>
    public async Task<IntakeOutcome> AcceptAsync(InboundMessage message, CancellationToken cancellationToken, long? startedAt = null)
    {
        var settings = options.CurrentValue;
        var attempt = new Attempt(message, NewOwner(), startedAt ?? clock.GetTimestamp(), settings.Deadline);
        try
        {
            var claim = await Within(attempt, dedupe.TryClaimAsync(message.DedupeKey, attempt.Owner, settings.PendingClaimTtl, cancellationToken).AsTask(), cancellationToken);
            if (claim != ClaimState.Claimed)
            {
                return Log(attempt, claim == ClaimState.Accepted ? IntakeOutcome.Duplicate : IntakeOutcome.InProgress,
                    claim == ClaimState.Accepted ? "duplicate" : "in-progress");
            }
        }
        catch (Exception ex) when (IsSystemFailure(ex))
        {
            // The claim may have landed after all: the release is queued behind it on the same connection.
            GiveBackLater(attempt, charged: false);
            return Unavailable(attempt, "dedupe", ex);
        }

        // Commands are answered from the bot's own state, never the model, never charged; an admin's only for an admin.
        if (message.Media is null && ChatCommands.Parse(message.Text) is { } command)
        {
            var kind = ChatCommands.ForAdmins(command.Kind) && !roles.CurrentValue.IsAdmin(message.Platform, message.SenderId) ? AnswerKind.AdminOnly : command.Kind;
            return await EnqueueAsync(attempt, new SealedAnswer(message, kind, ClaimOwner: attempt.Owner), "command", cancellationToken);
        }

        string? paused;
        try
        {
            paused = await Within(attempt, pause.CurrentAsync(cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (IsSystemFailure(ex))
        {
            GiveBackLater(attempt, charged: false);
            return Unavailable(attempt, "pause", ex);
        }

        if (paused is not null && !roles.CurrentValue.IsAdmin(message.Platform, message.SenderId))
        {
            return await OnceAsync(attempt, AnswerKind.Paused, "paused", PausedInterval, cancellationToken);
        }

        if (message.Media is not null)
        {
            return await OnceAsync(attempt, AnswerKind.TextOnly, "text-only", TextOnlyInterval, cancellationToken);
        }

        // Longer than the model can take: said at once, no inference, no charge — it would fail the same on every try.
        if (message.Text.Length > answerOptions.CurrentValue.MaxQuestionChars)
        {
            return await EnqueueAsync(attempt, new SealedAnswer(message, AnswerKind.TooLong, ClaimOwner: attempt.Owner), "too-long", cancellationToken);
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

            return await EnqueueAsync(attempt, new SealedAnswer(message, AnswerKind.RefusedInput, ClaimOwner: attempt.Owner), "refused-input", cancellationToken);
        }

        QuotaDecision decision;
        try
        {
            decision = await Within(attempt, quotas.ChargeAsync(message, cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (IsSystemFailure(ex))
        {
            // A charge that landed unseen is refunded (it is keyed by the message, so nothing else is).
            GiveBackLater(attempt, charged: true);
            return Unavailable(attempt, "quota", ex);
        }

        attempt = attempt with { Quota = decision };
        if (!decision.Allowed)
        {
            return await NoticeAsync(attempt, decision, cancellationToken);
        }

        var answer = new SealedAnswer(message, AnswerKind.Inference, decision.Charged, ClaimOwner: attempt.Owner,
            Welcome: await WelcomeDueAsync(attempt, cancellationToken));
        return await EnqueueAsync(attempt, answer, "accepted", cancellationToken);
    }

    private async Task<IntakeOutcome> EnqueueAsync(Attempt attempt, SealedAnswer answer, string what, CancellationToken cancellationToken)
    {
        try
        {
            await Within(attempt, queue.EnqueueAsync(answer, attempt.DeadlineAt(clock), cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (IsSystemFailure(ex))
        {
            // The job may exist. The claim store settles it: released → the job, if any, drops itself; accepted → the
            // job got there first and runs, so the message is taken after all.
            return await GiveBackAfterEnqueueAsync(attempt, answer.Charged, ex, what, cancellationToken);
        }

        return await AcceptClaimAsync(attempt, answer.Kind == AnswerKind.Inference ? IntakeOutcome.Accepted : IntakeOutcome.Answered, what, cancellationToken);
    }

    private async Task<IntakeOutcome> AcceptClaimAsync(Attempt attempt, IntakeOutcome outcome, string what, CancellationToken cancellationToken)
    {
        var message = attempt.Message;
        try
        {
            if (await Within(attempt, dedupe.AcceptAsync(message.DedupeKey, attempt.Owner, options.CurrentValue.DedupeTtl, cancellationToken).AsTask(), cancellationToken))
            {
                return Log(attempt, outcome, what);
            }

            // The pending claim expired under a very slow intake: the job (if any) will not run; the retry is taken afresh.
            return Unavailable(attempt, "accept", null);
        }
        catch (Exception ex) when (IsSystemFailure(ex))
        {
            // Queued, acceptance unknown: the job accepts the claim itself when it starts, so nothing is given back.
            // The platform's retry meets the claim pending (retry) or accepted (duplicate): answered once either way.
            return Unavailable(attempt, "accept", ex);
        }
    }

    private async Task<IntakeOutcome> GiveBackAfterEnqueueAsync(Attempt attempt, bool charged, Exception error, string what, CancellationToken cancellationToken)
    {
        var message = attempt.Message;
        ReleaseOutcome released;
        try
        {
            // Capped by what is left of the deadline: past it the platform has stopped waiting, and a 503 in time
            // (the release still lands, queued behind the enqueue) beats a 200 it never reads.
            var left = attempt.Deadline - clock.GetElapsedTime(attempt.Started);
            released = await dedupe.ReleaseAsync(message.DedupeKey, attempt.Owner, CancellationToken.None).AsTask()
                .WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, clock, cancellationToken);
        }
        catch (Exception ex) when (IsSystemFailure(ex))
        {
            // Unknown again. The release is queued behind the enqueue on the same connection; the charge stays: it is
            // keyed by the message, so the platform's retry reuses it rather than charging twice.
            LogReleaseFailed(logger, ex.GetType().Name);
            return Unavailable(attempt, "queue", error);
        }

        switch (released)
        {
            case ReleaseOutcome.AlreadyAccepted:
                return Log(attempt, IntakeOutcome.Accepted, what + "-late");
            case ReleaseOutcome.Released when charged:
                _ = RefundQuietlyAsync(message);
                break;
        }

        return Unavailable(attempt, "queue", error);
    }

    /// <summary>Queued behind whatever this attempt sent before, so it lands after it even if that timed out here.</summary>
    private void GiveBackLater(Attempt attempt, bool charged)
    {
        _ = ReleaseQuietlyAsync(attempt.Message.DedupeKey, attempt.Owner);
        if (charged)
        {
            _ = RefundQuietlyAsync(attempt.Message);
        }
    }

    private async Task ReleaseQuietlyAsync(string key, string owner)
    {
        try
        {
            await dedupe.ReleaseAsync(key, owner, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The pending claim expires by itself (Intake:PendingClaimTtl); the retry after that is taken in.
            LogReleaseFailed(logger, ex.GetType().Name);
        }
    }

    private async Task RefundQuietlyAsync(InboundMessage message)
    {
        try
        {
            await quotas.RefundAsync(message, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRefundFailed(logger, ex.GetType().Name);
        }
    }

    /// <summary>Awaits a step inside what is left of the attempt's deadline.</summary>
    private async Task<T> Within<T>(Attempt attempt, Task<T> step, CancellationToken cancellationToken)
    {
        var left = attempt.Deadline - clock.GetElapsedTime(attempt.Started);
        return await step.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, clock, cancellationToken);
    }

    // Any failure of a step — a Redis error, a timeout, or the platform hanging up (cancellation) — gives back what
    // the attempt took; only the runtime's own fatal errors pass through.
    private static bool IsSystemFailure(Exception ex) => ex is not OutOfMemoryException;

    private static string NewOwner() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private IntakeOutcome Unavailable(Attempt attempt, string stage, Exception? error)
    {
        LogUnavailable(logger, attempt.Message.Platform, LogId.Hash(attempt.Message.MessageId), stage, error?.GetType().Name ?? "LostClaim",
            clock.GetElapsedTime(attempt.Started).TotalMilliseconds);
        metrics.Intake(attempt.Message.Platform, attempt.Message.Route.SenderKey, "unavailable", clock.GetElapsedTime(attempt.Started));
        Audit(attempt, "unavailable", error?.GetType().Name ?? "LostClaim");
        return IntakeOutcome.Unavailable;
    }

    private IntakeOutcome Log(Attempt attempt, IntakeOutcome outcome, string what)
    {
        var message = attempt.Message;
        LogIntake(logger, message.Platform, LogId.Hash(message.MessageId), Pseudonym.Of(message.SenderId), message.ChatKind,
            message.Text.Length, what, clock.GetElapsedTime(attempt.Started).TotalMilliseconds);
        // One label per kind of decision: "over-quota-quiet" and "accepted-late" count with their kind.
        var label = what.Replace("-quiet", "", StringComparison.Ordinal).Replace("-late", "", StringComparison.Ordinal).Replace('-', '_');
        metrics.Intake(message.Platform, message.Route.SenderKey, label, clock.GetElapsedTime(attempt.Started));
        Audit(attempt, label, null);
        return outcome;
    }

    private void Audit(Attempt attempt, string outcome, string? code)
    {
        audit.Write(AuditRecord.ForMessage("intake", attempt.Message, outcome, clock.GetUtcNow()) with
        {
            QuotaUsed = attempt.Quota?.Used,
            QuotaLeft = attempt.Quota is { Limit: { } limit } quota ? Math.Max(0, limit - quota.Used) : null,
            LatencyMs = Math.Round(clock.GetElapsedTime(attempt.Started).TotalMilliseconds, 2),
            Code = code,
        });
    }

    /// <summary>One delivery of a message through intake: its claim owner and its clock.</summary>
    private readonly record struct Attempt(InboundMessage Message, string Owner, long Started, TimeSpan Deadline, QuotaDecision? Quota = null)
    {
        public DateTimeOffset DeadlineAt(TimeProvider clock) => clock.GetUtcNow() + Deadline - clock.GetElapsedTime(Started);
    }
}
