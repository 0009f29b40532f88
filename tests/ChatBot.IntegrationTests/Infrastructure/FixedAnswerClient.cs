using Microsoft.Extensions.AI;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>A chat client that streams one fixed answer in 7-character pieces: for tests about what happens to an answer, not how it is made.</summary>
public sealed class FixedAnswerClient(string answer) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer)));

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < answer.Length; i += 7)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, answer.Substring(i, Math.Min(7, answer.Length - i)));
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
