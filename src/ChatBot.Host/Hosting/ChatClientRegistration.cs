using System.ClientModel;
using ChatBot.Core.Pipeline;
using ChatBot.Host.Observability;
using ChatBot.Inference;
using Microsoft.Extensions.AI;
using OpenAI;

namespace ChatBot.Host.Hosting;

/// <summary>
/// Chooses the <see cref="IChatClient"/>: the local llama.cpp engine (default) or an OpenAI-compatible server
/// (vLLM or llama-server on a GPU box). Also provides the system prompt from <c>config/system-prompt.md</c>.
/// </summary>
internal static class ChatClientRegistration
{
    /// <returns>How many answers can be generated at once, for the queue's worker count.</returns>
    public static int AddChatClient(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(InferenceOptions.Section).Get<InferenceOptions>() ?? new InferenceOptions();
        switch (options.Provider)
        {
            case "Local":
                builder.AddLocalInference();
                builder.Services.AddSingleton<IReadinessCheck, ModelReadiness>();
                if (options.WarmUp)
                {
                    builder.Services.AddHostedService<InferenceWarmUp>();
                }

                break;
            case "OpenAI":
                if (!Uri.TryCreate(options.OpenAI.Endpoint, UriKind.Absolute, out var endpoint))
                {
                    throw new InvalidOperationException($"Inference:OpenAI:Endpoint must be an absolute URL when Inference:Provider is OpenAI; got '{options.OpenAI.Endpoint}'.");
                }

                builder.Services.AddOptions<InferenceOptions>().Bind(builder.Configuration.GetSection(InferenceOptions.Section));
                builder.Services.AddSingleton(_ => new OpenAIClient(
                        new ApiKeyCredential(string.IsNullOrEmpty(options.OpenAI.ApiKey) ? "none" : options.OpenAI.ApiKey),
                        new OpenAIClientOptions { Endpoint = endpoint })
                    .GetChatClient(options.OpenAI.Model)
                    .AsIChatClient());
                break;
            default:
                throw new InvalidOperationException($"Inference:Provider must be Local or OpenAI; got '{options.Provider}'.");
        }

        var promptFile = builder.Configuration["Answers:SystemPromptFile"] is { Length: > 0 } file ? file : "config/system-prompt.md";
        builder.Services.AddKeyedSingleton<Func<string>>(AnswerJob.SystemPromptKey, (_, _) => new SystemPromptFile(promptFile).Read);
        return options.ParallelSequences;
    }

    private sealed class ModelReadiness(LocalInference inference) : IReadinessCheck
    {
        public string Name => "model";

        public (bool Ok, string Detail) Check() =>
            inference.IsLoaded ? (true, inference.ModelDescription + (inference.IsSynthetic ? " — SYNTHETIC, random replies" : "")) : (false, "not loaded");
    }
}

/// <summary>The system prompt file, re-read when it changes (admins edit it without a restart).</summary>
internal sealed class SystemPromptFile(string path)
{
    private const string Fallback = "You are a helpful assistant for the employees of this company. Answer briefly and politely.";
    private (DateTime Stamp, string Text) _cached = (DateTime.MinValue, Fallback);

    public string Read()
    {
        try
        {
            var stamp = File.GetLastWriteTimeUtc(path);
            var cached = _cached;
            if (stamp == cached.Stamp)
            {
                return cached.Text;
            }

            var text = File.Exists(path) ? File.ReadAllText(path).Trim() : Fallback;
            _cached = (stamp, text.Length > 0 ? text : Fallback);
            return _cached.Text;
        }
        catch (IOException)
        {
            return _cached.Text;
        }
    }
}
