using System.Diagnostics;
using System.Globalization;
using System.Text;
using ChatBot.Core.Audit;
using ChatBot.Core.Commands;
using ChatBot.Core.Conversations;
using ChatBot.Core.Dedupe;
using ChatBot.Core.Knowledge;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.Knowledge.Search;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using ChatBot.Core.Replies;
using ChatBot.Core.Screening;
using Hangfire.Server;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The background half of the story: open → accept the claim → prompt → IChatClient → screen → keep → send →
/// settle. Its only argument is the sealed envelope, so Hangfire storage holds ciphertext and nothing else.
/// Reentrant: the generated answer is kept sealed in the job's own parameters, so a retry re-sends the same text
/// without inferring again, and the delivery ledger keeps every part from going out twice.
/// </summary>
public sealed partial class AnswerJob(
    EnvelopeSealer sealer,
    IChatClient chat,
    SystemPrompt systemPrompt,
    SensitiveWordScreener screener,
    IOptionsMonitor<ScreeningOptions> screening,
    IOptionsMonitor<QuotaOptions> quotaOptions,
    IOptionsMonitor<QueueOptions> queueOptions,
    IOptionsMonitor<IntakeOptions> intakeOptions,
    IOptionsMonitor<AnswerOptions> answerOptions,
    IDedupeStore dedupe,
    KnowledgeBase knowledge,
    IOptionsMonitor<KnowledgeOptions> knowledgeOptions,
    AskerDepartments askerDepartments,
    QueueNotice line,
    QuotaGate quotas,
    IDeliveryLedger delivery,
    ConversationMemory memory,
    CommandReplies commands,
    IServiceProvider services,
    ChatBotMetrics metrics,
    AuditTrail audit,
    IOptionsMonitor<AuditOptions> auditOptions,
    ILogger<AnswerJob> logger)
{
    /// <summary>The job parameter holding the generated answer, sealed like the envelope; deleted with the job.</summary>
    public const string AnswerParameter = "answer";

    // A "not sure" reply names the two closest sections: a third is rarely the one, and the reply must stay readable.
    private const int UnsureSections = 2;

    // WeCom polls streams; a few updates a second is all a refresh can show.
    private static readonly TimeSpan StreamUpdateInterval = TimeSpan.FromMilliseconds(250);

    public async Task RunAsync(string envelope, PerformContext? context, CancellationToken cancellationToken)
    {
        SealedAnswer answer;
        try
        {
            answer = sealer.Open(envelope);
        }
        catch (EnvelopeException ex)
        {
            // Can never succeed (another instance's key, or a restart of the in-memory default): drop it, say why.
            LogUnopenable(logger, ex.Message);
            return;
        }

        var message = answer.Message;
        var hash = LogId.Hash(message.MessageId);
        if (answer.ClaimOwner is { } owner
            && !await dedupe.AcceptAsync(message.DedupeKey, owner, intakeOptions.CurrentValue.DedupeTtl, cancellationToken))
        {
            // Its intake gave the claim back (the platform was told to retry, and the retry has or will have its own job).
            LogClaimLost(logger, message.Platform, hash);
            return;
        }

        if (await delivery.GetAsync(message.DedupeKey, cancellationToken) == DeliveryState.Sent)
        {
            LogAlreadySent(logger, message.Platform, hash);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var waited = DateTimeOffset.UtcNow - message.ReceivedAt;
        metrics.QueueWait(waited);
        var facts = new AnswerFacts { Opening = answer.Welcome && answerOptions.CurrentValue.WelcomeText is { Length: > 0 } welcome ? welcome + "\n\n" : "" };
        if (answer.Kind == AnswerKind.Inference && waited > answerOptions.CurrentValue.MaxQueueAge
            && context?.GetJobParameter<string>(AnswerParameter) is not { Length: > 0 })
        {
            // After an outage an answer hours late helps no one: drop it, refund it, and say so once.
            await ExpireAsync(answer, hash, waited, started, facts);
            return;
        }

        try
        {
            var resetsAt = answer.QuotaResetsAt?.ToString("yyyy-MM-dd HH:mm (zzz)", CultureInfo.InvariantCulture);
            var text = answer.Kind switch
            {
                AnswerKind.Inference => await AnswerMaskedAsync(message, answer.Charged, hash, context, facts, cancellationToken),
                AnswerKind.OverQuota => string.Format(CultureInfo.InvariantCulture, quotaOptions.CurrentValue.OverQuotaText, resetsAt),
                AnswerKind.OverBurst => quotaOptions.CurrentValue.OverBurstText,
                AnswerKind.OverGroupBudget => string.Format(CultureInfo.InvariantCulture, quotaOptions.CurrentValue.GroupOverBudgetText, resetsAt),
                AnswerKind.TooLong => string.Format(CultureInfo.InvariantCulture, answerOptions.CurrentValue.TooLongText, answerOptions.CurrentValue.MaxQuestionChars),
                AnswerKind.Help or AnswerKind.QuotaStatus or AnswerKind.Clear or AnswerKind.TextOnly or AnswerKind.QuotaReset or AnswerKind.Pause
                    or AnswerKind.Resume or AnswerKind.AdminOnly or AnswerKind.Paused => await commands.ReplyAsync(answer.Kind, message, cancellationToken),
                _ => screening.CurrentValue.RefusalText,
            };

            await SendAsync(message, facts.Opening + text, cancellationToken);
            if (answer.Kind == AnswerKind.Inference)
            {
                // The memory keeps the question as the model saw it (masked) and the answer as it wrote it (no disclaimer).
                var disclaimer = "\n\n" + answerOptions.CurrentValue.Disclaimer;
                var written = disclaimer.Length > 2 && text.EndsWith(disclaimer, StringComparison.Ordinal) ? text[..^disclaimer.Length] : text;
                await RememberAsync(message with { Text = PersonalData.Mask(message.Text, screening.CurrentValue.PersonalData).Text }, MaskAnswer(written, count: false), hash);
            }

            LogAnswered(logger, message.Platform, hash, answer.Kind, text.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            metrics.Answered(message.Platform, answer.Kind.ToString(), Stopwatch.GetElapsedTime(started));
            metrics.Reply(message.Platform, "ok");
            Audit(message, facts.Outcome ?? Label(answer.Kind), started, facts, code: null);
        }
        catch (PacingException)
        {
            // Rescheduled by the queue's pacing filter; not a failure, and the kept answer waits with the job.
            throw;
        }
        catch (DeliveryUnknownException ex)
        {
            // Never "answered": the answer may be missing, a retry could only skip what may have arrived, and the asker
            // was told (where the platform has a second channel) to ask again — which the refund makes free.
            await SettleUnknownAsync(answer, hash, ex, started, facts);
        }
        catch (Exception ex) when (JobFailure.IsPermanent(ex))
        {
            // Retrying cannot help (a wrong user id, a rejected parameter, a prompt over the model's context): settle now.
            var code = JobFailure.Code(ex);
            LogPermanent(logger, message.Platform, hash, code);
            metrics.Reply(message.Platform, "failed", code);
            Audit(message, "failed", started, facts, code);
            await SettleAsync(answer, hash);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var attempt = context?.GetJobParameter<int>("RetryCount") ?? 0;
            var code = JobFailure.Code(ex);
            if (attempt < queueOptions.CurrentValue.Retries)
            {
                LogWillRetry(logger, message.Platform, hash, ex.GetType().Name, attempt + 1);
                metrics.Reply(message.Platform, "retried", code);
                throw;
            }

            LogGaveUp(logger, message.Platform, hash, ex.GetType().Name, attempt + 1);
            metrics.Reply(message.Platform, "failed", code);
            Audit(message, "failed", started, facts, code);
            await SettleAsync(answer, hash);
        }
    }

    /// <summary>The answer kept from an earlier attempt, or a new one, kept before anything is sent.</summary>
    private async Task<string> AnswerAsync(InboundMessage message, bool charged, string hash, PerformContext? context, AnswerFacts facts, CancellationToken cancellationToken)
    {
        if (context?.GetJobParameter<string>(AnswerParameter) is { Length: > 0 } kept)
        {
            try
            {
                var text = Encoding.UTF8.GetString(sealer.OpenBytes(kept));
                LogReused(logger, message.Platform, hash);
                return text;
            }
            catch (EnvelopeException ex)
            {
                LogUnopenable(logger, ex.Message);
            }
        }

        var answer = await GroundedOrGeneralAsync(message, charged, hash, new PartialAnswer(sealer, context), facts, cancellationToken);
        // What the model wrote says so; the documents' own words ("not sure" quotes, the refusal) are not AI-generated.
        if (facts.Outcome is null && answerOptions.CurrentValue.Disclaimer is { Length: > 0 } disclaimer)
        {
            answer += "\n\n" + disclaimer;
        }

        context?.SetJobParameter(AnswerParameter, sealer.SealBytes(Encoding.UTF8.GetBytes(answer)));
        return answer;
    }

    /// <summary>
    /// Policy questions (in DMs and group @-mentions) are answered from the company's documents, with the citation
    /// appended by this code. A DM with nothing relevant is refused without a model call and its charge refunded;
    /// in a group, or when no key term points at policy at all (a greeting), the general assistant answers.
    /// </summary>
    private async Task<string> GroundedOrGeneralAsync(InboundMessage message, bool charged, string hash, PartialAnswer partial, AnswerFacts facts,
        CancellationToken cancellationToken)
    {
        var options = knowledgeOptions.CurrentValue;
        if (knowledge.IsEmpty)
        {
            return await InferAsync(message, null, hash, partial, facts, cancellationToken);
        }

        // The directory is asked only when some document is limited to departments: most answers never wait on it.
        var departments = knowledge.Index.RestrictsDepartments ? await askerDepartments.ResolveAsync(message, cancellationToken) : null;
        var found = knowledge.Find(message.Text, options.TopK, chunk => chunk.Access.Allows(message.SenderId, departments),
            new GroundingThresholds(options.UnsureAt, options.AnswerAt));
        // A DM's documents are its asker's topic: logged, like audited, only where Audit:DocumentsInDirectMessages says so.
        LogRetrieved(logger, message.Platform, hash, found.PolicyQuestion, found.Decision, found.Hits.Count, found.Coverage,
            message.ChatKind == ChatKind.Direct && !auditOptions.CurrentValue.DocumentsInDirectMessages
                ? "(not recorded for direct messages)"
                : string.Join(",", found.Hits.Select(h => h.Chunk.Document).Distinct()));
        if (!found.PolicyQuestion || (found.Refused && (message.ChatKind == ChatKind.Group || !options.RefuseInDirectMessages)))
        {
            metrics.Knowledge("general");
            return await InferAsync(message, null, hash, partial, facts, cancellationToken);
        }

        var english = Citation.IsEnglish(message.Text);
        var direct = message.ChatKind == ChatKind.Direct && options.RefuseInDirectMessages;
        if (found.Refused || (found.Decision == Grounding.Unsure && direct))
        {
            // No model call either way, so the charge goes back: the employee got the documents' word, not an answer.
            metrics.Knowledge(found.Refused ? "refused" : "unsure");
            if (charged)
            {
                await quotas.RefundAsync(message, CancellationToken.None);
            }

            if (found.Refused)
            {
                facts.Outcome = "refused_no_document";
                return english ? options.RefusalTextEnglish : options.RefusalText;
            }

            facts.Outcome = "unsure_sections";
            facts.Documents = found.Hits.Take(UnsureSections).Select(h => h.Chunk.Document).Distinct().ToList();
            return KnowledgeReplies.Unsure(found, english ? options.UnsureTextEnglish : options.UnsureText, UnsureSections, message.Route.RendersMarkdown, english);
        }

        metrics.Knowledge("grounded");
        var passages = found.Hits.Select(h => h.Chunk).ToList();
        var answer = await InferAsync(message, GroundedPrompt.Context(passages, options.PromptBudgetChars), hash, partial, facts, cancellationToken);
        var best = found.Hits[0].Chunk;
        facts.Documents = [best.Document];
        return answer + Citation.Block(best, Citation.Quote(best, found.Words ?? []), message.Route.RendersMarkdown, english);
    }

    private async Task<string> InferAsync(InboundMessage message, ChatMessage? grounding, string hash, PartialAnswer partial, AnswerFacts facts,
        CancellationToken cancellationToken)
    {
        List<ChatMessage> prompt = [new(ChatRole.System, systemPrompt.Text)];
        if (grounding is not null)
        {
            prompt.Add(grounding);
        }

        prompt.AddRange(await RecallAsync(message, hash, cancellationToken));

        prompt.Add(new ChatMessage(ChatRole.User, message.Text));
        var options = screening.CurrentValue;
        var screen = new StreamingScreen(screener, options.OutputAction, options.ReplacementText);
        // A worker that died mid-answer kept its words so far: the model continues them, and they are screened as
        // if just written (a stream shows them again with the first new words).
        var written = new StringBuilder(partial.Earlier());
        if (written.Length > 0)
        {
            LogContinued(logger, message.Platform, hash, written.Length);
            prompt.Add(new ChatMessage(ChatRole.Assistant, written.ToString()));
            screen.Feed(written.ToString());
        }

        var keepFailed = false;
        var streaming = services.GetRequiredKeyedService<IReplySender>(message.Route.SenderKey) is IStreamingReplySender s && s.Streams(message) ? s : null;
        using var turn = await line.WaitForTurnAsync(message, streaming, cancellationToken);
        await using var thinking = StartThinking(message, streaming is not null);
        var lastUpdate = 0L;
        var (begun, firstToken, pieces) = (Stopwatch.GetTimestamp(), TimeSpan.Zero, 0);
        long? modelTokens = null;
        await foreach (var update in screen.Replaced ? AsyncEnumerable.Empty<ChatResponseUpdate>() : chat.GetStreamingResponseAsync(prompt, cancellationToken: cancellationToken))
        {
            // The closing update carries the model's own count; pieces are not tokens (a character split across
            // tokens arrives as one piece, and a remote server may send several tokens in one).
            modelTokens = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details.OutputTokenCount ?? modelTokens;
            if (update.Text.Length == 0)
            {
                continue;
            }

            if (pieces++ == 0)
            {
                thinking.Cancel();
                firstToken = Stopwatch.GetElapsedTime(begun);
            }

            written.Append(update.Text);
            if (!partial.Keep(written) && !keepFailed)
            {
                keepFailed = true;
                LogPartialNotKept(logger, message.Platform, hash);
            }

            // Only screened text is ever shown: what the hold-back has released, no more.
            if (screen.Feed(update.Text).Length > 0 && streaming is not null && Stopwatch.GetElapsedTime(lastUpdate) > StreamUpdateInterval)
            {
                // Personal data masked as it streams: a number still arriving waits until it can be told whole.
                await streaming.UpdateAsync(message, facts.Opening + MaskAnswer(screen.Released[..PersonalData.SafeLength(screen.Released)], count: false), cancellationToken);
                lastUpdate = Stopwatch.GetTimestamp();
            }

            if (screen.Replaced)
            {
                break;
            }
        }

        thinking.Cancel();
        screen.Finish();
        var tokens = (int)(modelTokens ?? pieces);
        metrics.Generated(tokens, firstToken, Stopwatch.GetElapsedTime(begun));
        facts.Tokens = tokens;
        foreach (var category in screen.Categories)
        {
            metrics.ScreeningHit("output", category);
        }

        if (screen.Hits > 0)
        {
            LogOutputScreened(logger, message.Platform, hash, screen.Hits, string.Join(",", screen.Categories), options.OutputAction);
        }

        if (message.Route.Dialect == MarkdownDialect.Full)
        {
            return screen.Released;
        }

        // A channel that shows less than the model wrote gets its own rendition (clean text, or the part of Markdown
        // its messages render), screened again: taking markup out can join what it had split ("敏**感**词").
        var shown = new StreamingScreen(screener, options.OutputAction, options.ReplacementText);
        shown.Feed(MarkdownText.Write(screen.Released, message.Route.Dialect));
        shown.Finish();
        return shown.Released;
    }

}
