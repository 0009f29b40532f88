using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>The model's seam, answering with a given text in small pieces: for what the bot does with an answer's shape.</summary>
/// <param name="firstWordAfter">How long the model "thinks" before its first piece.</param>
/// <param name="betweenPieces">How long each further piece takes (a stream a sender sees arrive in several updates).</param>
public sealed class ScriptedChatClient(string answer, TimeSpan firstWordAfter = default, TimeSpan betweenPieces = default) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer)));

    /// <summary>Every prompt the model was given, as role: text lines.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<IReadOnlyList<string>> Prompts { get; } = new();

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Prompts.Enqueue(messages.Select(m => $"{m.Role}: {m.Text}").ToList());
        await Task.Delay(firstWordAfter, cancellationToken);
        for (var i = 0; i < answer.Length; i += 3)
        {
            if (betweenPieces > TimeSpan.Zero)
            {
                await Task.Delay(betweenPieces, cancellationToken);
            }
            else
            {
                await Task.Yield();
            }
            yield return new ChatResponseUpdate(ChatRole.Assistant, answer.Substring(i, Math.Min(3, answer.Length - i)));
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
