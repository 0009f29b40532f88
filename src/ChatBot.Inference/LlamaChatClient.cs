using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using ChatBot.Inference.Engine;
using Microsoft.Extensions.AI;

namespace ChatBot.Inference;

/// <summary>
/// The local engine as a Microsoft.Extensions.AI <see cref="IChatClient"/>: renders the chat with the model's
/// template, fits it into a sequence (oldest turns go first), submits it to the batching engine and streams
/// the text back.
/// </summary>
public sealed partial class LlamaChatClient : IChatClient
{
    private readonly LlamaEngine _engine;
    private readonly Func<InferenceOptions> _options;
    private readonly ChatClientMetadata _metadata;
    private CachedPrefix? _prefix;

    internal LlamaChatClient(LlamaEngine engine, Func<InferenceOptions> options)
    {
        _engine = engine;
        _options = options;
        _metadata = new ChatClientMetadata("llama.cpp", null, Path.GetFileName(engine.Model.Path));
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var settings = _options();
        var request = _engine.Submit(BuildRequest(messages, options, settings, cancellationToken, out var timeout));
        using (timeout)
        try
        {
            var responseId = Guid.NewGuid().ToString("N");
            await using var pieces = request.Output.ReadAllAsync(CancellationToken.None).GetAsyncEnumerator(CancellationToken.None);
            while (true)
            {
                bool more;
                try
                {
                    more = await pieces.MoveNextAsync();
                }
                catch (InvalidOperationException ex)
                {
                    throw new InvalidOperationException("Local inference failed: " + ex.Message, ex);
                }

                if (!more)
                {
                    break;
                }

                // Pieces already generated when the caller cancelled are not handed out after it.
                cancellationToken.ThrowIfCancellationRequested();

                yield return new ChatResponseUpdate(ChatRole.Assistant, pieces.Current) { ResponseId = responseId, ModelId = _metadata.DefaultModelId };
            }

            if (request.Finish == GenerationFinish.Cancelled)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException($"Local inference took longer than Inference:RequestTimeout ({settings.RequestTimeout}).");
            }

            yield return new ChatResponseUpdate
            {
                Role = ChatRole.Assistant,
                ResponseId = responseId,
                ModelId = _metadata.DefaultModelId,
                FinishReason = request.Finish == GenerationFinish.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length,
                Contents = [new UsageContent(new UsageDetails { InputTokenCount = request.Prompt.Length, OutputTokenCount = request.GeneratedTokens })],
            };
        }
        finally
        {
            // A caller that stops reading early frees its sequence now, not after MaxNewTokens.
            await timeout.CancelAsync();
        }
    }

    private GenerationRequest BuildRequest(IEnumerable<ChatMessage> messages, ChatOptions? options, InferenceOptions settings,
        CancellationToken cancellationToken, out CancellationTokenSource timeout)
    {
        var model = _engine.Model;
        var system = string.Join("\n\n", messages.Where(m => m.Role == ChatRole.System).Select(m => Clean(m.Text)));
        var turns = messages.Where(m => m.Role != ChatRole.System)
            .Select(m => (Role: m.Role == ChatRole.Assistant ? "assistant" : "user", Content: Clean(m.Text)))
            .ToList();
        // A chat that ends with the assistant's words is an answer to continue (as llama-server's prefill does): its
        // turn is left open, and it gets what is left of the tokens the whole answer may have.
        var continued = turns.Count > 1 && turns[^1].Role == "assistant" ? turns[^1].Content : null;
        if (continued is not null)
        {
            turns.RemoveAt(turns.Count - 1);
        }

        if (turns.Count == 0)
        {
            throw new ArgumentException("A chat needs at least one user message.", nameof(messages));
        }

        var maxTokens = Math.Min(options?.MaxOutputTokens ?? settings.MaxNewTokens, settings.MaxNewTokens);
        var written = continued is null ? [] : model.Tokenize(continued, addSpecial: false, parseSpecial: false);
        maxTokens = Math.Max(1, maxTokens - written.Length);
        var limit = _engine.Settings.SequenceLimit;
        int[] prompt;
        while (true)
        {
            List<(string, string)> chat = system.Length > 0 ? [("system", system), .. turns] : [.. turns];
            prompt = [.. model.Tokenize(model.ApplyTemplate(chat, addAssistant: true), addSpecial: false, parseSpecial: true), .. written];
            if (prompt.Length + maxTokens <= limit)
            {
                break;
            }

            if (turns.Count > 1)
            {
                // Too long for one sequence: the oldest turns go first, the question being asked stays.
                turns.RemoveAt(0);
                continue;
            }

            maxTokens = limit - prompt.Length;
            if (maxTokens < 16)
            {
                throw new ArgumentException($"The message is {prompt.Length} tokens, too long for a sequence of {limit} (Inference:ContextSize / Inference:ParallelSequences).", nameof(messages));
            }

            break;
        }

        var admin = messages.FirstOrDefault(m => m.Role == ChatRole.System) is { } first ? Clean(first.Text) : "";
        var prefix = admin.Length > 0 ? SharedPrefix(admin) : null;
        var sampling = new SamplingSettings(
            options?.Temperature ?? settings.Temperature,
            options?.TopP ?? settings.TopP,
            options?.TopK ?? settings.TopK,
            settings.MinP,
            settings.RepeatPenalty,
            64,
            (uint?)options?.Seed ?? settings.Seed ?? (uint)Random.Shared.Next());
        timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.RequestTimeout);
        return new GenerationRequest(prompt, prefix, maxTokens, sampling, timeout.Token);
    }

    /// <summary>The shared prefix of this system prompt, tokenised once per prompt text (it changes only on an admin edit).</summary>
    private int[] SharedPrefix(string system)
    {
        if (_prefix is { } cached && cached.System == system)
        {
            return cached.Tokens;
        }

        var tokens = _engine.Model.SharedPrefix(system);
        _prefix = new CachedPrefix(system, tokens);
        return tokens;
    }

    private sealed record CachedPrefix(string System, int[] Tokens);

    // Control tokens typed by a user would be parsed as real ones (the rendered chat is tokenised with
    // parse_special); removing them keeps a user from closing their turn and writing the assistant's.
    private static string Clean(string text) => ControlToken().Replace(text, "");

    [GeneratedRegex(@"<\|[a-z_]{1,32}\|>")]
    private static partial Regex ControlToken();

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        // The engine is owned by the host's LocalInference service, not by each client.
    }
}
