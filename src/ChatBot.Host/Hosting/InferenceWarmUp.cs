using System.Diagnostics;
using ChatBot.Core.Pipeline;
using ChatBot.Inference;
using Microsoft.Extensions.AI;

namespace ChatBot.Host.Hosting;

/// <summary>
/// Answers one fixed question through the local model right after start, so the first employee does not pay for
/// paging the weights in, the JIT settling, or the system prompt's KV cache (which every later answer copies).
/// Runs in the background: requests arriving meanwhile simply queue in the engine. Then it has the weights moved onto
/// huge pages, with start-up's burst over.
/// </summary>
internal sealed partial class InferenceWarmUp(
    IServiceProvider services,
    LocalInference inference,
    SystemPrompt systemPrompt,
    ILogger<InferenceWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var started = Stopwatch.GetTimestamp();
        try
        {
            // resolved here, not injected: the chat client waits for the model, which loads while the host starts
            var client = services.GetRequiredService<IChatClient>();
            var response = await client.GetResponseAsync(
                [new ChatMessage(ChatRole.System, systemPrompt.Text), new ChatMessage(ChatRole.User, "你好")],
                new ChatOptions { MaxOutputTokens = 8, Temperature = 0 },
                stoppingToken);
            LogWarm(logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds, response.Usage?.InputTokenCount ?? 0);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Never fatal (a background service's exception would stop the host): the first real answer pays the
            // cold start instead, and its own failure is reported there.
            LogWarmFailed(logger, ex.GetType().Name, ex.Message);
        }

        if (!stoppingToken.IsCancellationRequested)
        {
            inference.MoveWeightsOntoHugePages();
        }
    }

    [LoggerMessage(EventId = 4300, Level = LogLevel.Information, Message = "Inference warmed up in {ElapsedMs:F0} ms ({PromptTokens} prompt tokens; the system prompt is cached)")]
    private static partial void LogWarm(ILogger logger, double elapsedMs, long promptTokens);

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "Inference warm-up failed with {ErrorType}: {Error}")]
    private static partial void LogWarmFailed(ILogger logger, string errorType, string error);
}
