using System.Globalization;
using System.Text;
using ChatBot.Core.Audit;
using ChatBot.Core.Conversations;
using ChatBot.Core.Knowledge;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Knowledge;
using ChatBot.Knowledge.Search;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using ChatBot.Core.Screening;
using Hangfire.Server;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The answer to a question: personal data masked before anything sees it; the answer an earlier attempt kept, or
/// a new one — from the company's documents with their citation, their word alone ("not sure", the refusal), or the
/// general assistant — with the AI disclaimer, kept sealed in the job before anything is sent; and, once sent,
/// remembered for the conversation's follow-ups.
/// </summary>
public sealed partial class AnswerWriter(
    ModelTurn model,
    EnvelopeSealer sealer,
    KnowledgeBase knowledge,
    IOptionsMonitor<KnowledgeOptions> knowledgeOptions,
    AskerDepartments askerDepartments,
    QuotaGate quotas,
    ConversationMemory memory,
    IOptionsMonitor<ScreeningOptions> screening,
    IOptionsMonitor<AnswerOptions> answerOptions,
    IOptionsMonitor<AuditOptions> auditOptions,
    ChatBotMetrics metrics,
    ILogger<AnswerWriter> logger)
{
    /// <summary>The job parameter holding the generated answer, sealed like the envelope; deleted with the job.</summary>
    public const string AnswerParameter = "answer";

    /// <summary>
    /// The question with its personal data masked before the model, the documents' search or the conversation's memory
    /// sees it, and the answer opened (<see cref="AnswerFacts.Opening"/>) by one line telling the asker what was hidden.
    /// Counted, never logged.
    /// </summary>
    public async Task<string> WriteAsync(InboundMessage message, bool charged, string hash, PerformContext? context, AnswerFacts facts, CancellationToken cancellationToken)
    {
        var options = screening.CurrentValue;
        var (masked, found) = PersonalData.Mask(message.Text, options.PersonalData);
        foreach (var category in found)
        {
            metrics.ScreeningHit("input", "personal-data:" + category);
        }

        if (found.Count > 0)
        {
            // Before the generation starts, so a stream's first update already carries it and every update is a prefix of the next.
            facts.Opening += string.Format(CultureInfo.InvariantCulture, options.PersonalDataNotice, string.Join("、", found.Select(Hidden))) + "\n";
        }

        return await KeptOrNewAsync(found.Count > 0 ? message with { Text = masked } : message, charged, hash, context, facts, cancellationToken);

        static string Hidden(string category) => PersonalData.Label(category).Trim('[', ']').Replace("已隐藏", "", StringComparison.Ordinal);
    }

    /// <summary>
    /// Remembers the exchange for follow-ups: the question as the model saw it (masked) and the answer as it wrote it
    /// (no disclaimer). A store that fails is logged; the answer has gone already.
    /// </summary>
    public async Task RememberAsync(InboundMessage message, string text, string hash)
    {
        var personal = screening.CurrentValue.PersonalData;
        var disclaimer = "\n\n" + answerOptions.CurrentValue.Disclaimer;
        var written = disclaimer.Length > 2 && text.EndsWith(disclaimer, StringComparison.Ordinal) ? text[..^disclaimer.Length] : text;
        try
        {
            await memory.RememberAsync(message with { Text = PersonalData.Mask(message.Text, personal).Text }, PersonalData.Mask(written, personal).Text, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogMemoryFailed(logger, message.Platform, hash, ex.GetType().Name);
        }
    }

    /// <summary>The answer kept from an earlier attempt, or a new one, kept before anything is sent.</summary>
    private async Task<string> KeptOrNewAsync(InboundMessage message, bool charged, string hash, PerformContext? context, AnswerFacts facts, CancellationToken cancellationToken)
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
            return await model.WriteAsync(message, null, hash, partial, facts, cancellationToken);
        }

        // The directory is asked only when some document is limited to departments: most answers never wait on it.
        var departments = knowledge.Index.RestrictsDepartments ? await askerDepartments.ResolveAsync(message, cancellationToken) : null;
        var found = knowledge.Find(message.Text, options.TopK, chunk => chunk.Access.Allows(message.SenderId, departments),
            new GroundingThresholds(options.UnsureAt, options.AnswerAt) { PromptBudgetChars = options.PromptBudgetChars });
        // A DM's documents are its asker's topic: logged, like audited, only where Audit:DocumentsInDirectMessages says so.
        LogRetrieved(logger, message.Platform, hash, found.PolicyQuestion, found.Decision, found.Hits.Count, found.Coverage,
            message.ChatKind == ChatKind.Direct && !auditOptions.CurrentValue.DocumentsInDirectMessages
                ? "(not recorded for direct messages)"
                : string.Join(",", found.Hits.Select(h => h.Chunk.Document).Distinct()));
        if (!found.PolicyQuestion || (found.Refused && (message.ChatKind == ChatKind.Group || !options.RefuseInDirectMessages)))
        {
            metrics.Knowledge("general");
            return await model.WriteAsync(message, null, hash, partial, facts, cancellationToken);
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
            facts.Documents = found.Hits.Take(KnowledgeReplies.UnsureSections).Select(h => h.Chunk.Document).Distinct().ToList();
            return KnowledgeReplies.Unsure(found, english ? options.UnsureTextEnglish : options.UnsureText, KnowledgeReplies.UnsureSections, message.Route.RendersMarkdown, english);
        }

        metrics.Knowledge("grounded");
        var passages = found.Hits.Select(h => h.Chunk).ToList();
        var answer = await model.WriteAsync(message, GroundedPrompt.Context(passages, options.PromptBudgetChars), hash, partial, facts, cancellationToken);
        // The citation names the passage the answer was written from, which is not always the one that covered most of the question.
        var cited = Attribution.Cite(answer, message.Text, found, GroundedPrompt.Held(passages, options.PromptBudgetChars));
        metrics.Citation(cited.Related ? "related" : ReferenceEquals(cited.Chunk, passages[0]) ? "first" : "moved");
        facts.Documents = [cited.Chunk.Document];
        return answer + Citation.Block(cited.Chunk, cited.Quote, message.Route.RendersMarkdown, english, cited.Related);
    }

    [LoggerMessage(EventId = 1209, Level = LogLevel.Information, Message = "Answer for {Platform} msg={MessageHash} reused from the earlier attempt; only its delivery is retried")]
    private static partial void LogReused(ILogger logger, Platform platform, string messageHash);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Error, Message = "A queued envelope could not be opened and was dropped: {Reason}")]
    private static partial void LogUnopenable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Information,
        Message = "Knowledge for {Platform} msg={MessageHash}: policy={Policy} decision={Decision} passages={Passages} coverage={Coverage:F2} documents={Documents}")]
    private static partial void LogRetrieved(ILogger logger, Platform platform, string messageHash, bool policy, Grounding decision, int passages, double coverage, string documents);

    [LoggerMessage(EventId = 1217, Level = LogLevel.Warning, Message = "Conversation memory for {Platform} msg={MessageHash} unavailable ({ErrorType}); answered without it")]
    private static partial void LogMemoryFailed(ILogger logger, Platform platform, string messageHash, string errorType);
}
