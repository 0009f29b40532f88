using System.ClientModel;
using ChatBot.Core.Configuration;
using ChatBot.Core.Health;
using ChatBot.Core.Knowledge;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Queue;
using ChatBot.Host.Observability;
using ChatBot.Inference;
using ChatBot.Inference.Engine;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenAI;

namespace ChatBot.Host.Hosting;

/// <summary>
/// Chooses the <see cref="IChatClient"/>: the local llama.cpp engine (default) or an OpenAI-compatible server
/// (vLLM or llama-server on a GPU box) — or none, on an intake-only instance (<c>Queue:RunWorkers=false</c>), which
/// only acknowledges and queues: it loads no model, needs no model file, and is ready without the model's check.
/// </summary>
internal static partial class ChatClientRegistration
{
    /// <returns>How many answers can be generated at once, for the queue's worker count.</returns>
    public static int AddChatClient(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(InferenceOptions.Section).Get<InferenceOptions>() ?? new InferenceOptions();
        var queue = builder.Configuration.GetSection(QueueOptions.Section).Get<QueueOptions>() ?? new QueueOptions();
        // Bound here once, for every role; validated only where answers are written.
        builder.Services.AddOptions<InferenceOptions>().Bind(builder.Configuration.GetSection(InferenceOptions.Section));
        if (!queue.RunWorkers)
        {
            // Answer jobs (the only users of a chat client, the knowledge index and an embedding model) run on the
            // workers: an intake-only instance resolves none of them, so it registers none and checks no model file.
            return options.ParallelSequences;
        }

        // Provider, endpoint, key and model file; with an unknown provider no chat client is registered and this
        // stops start-up, naming the setting, together with any other problem.
        builder.Services.AddOptionsWithValidateOnStart<InferenceOptions, InferenceOptionsValidator>();
        // Dense retrieval for policy search, when the admin supplies an embedding model: in process, on llama.cpp.
        var knowledge = builder.Configuration.GetSection(KnowledgeOptions.Section).Get<KnowledgeOptions>() ?? new KnowledgeOptions();
        if (!string.IsNullOrWhiteSpace(knowledge.EmbeddingModelPath))
        {
            var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
            builder.Services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(_ => LlamaEmbedder.Load(knowledge.EmbeddingModelPath, options.NativeLibraryPath, threads));
        }

        switch (options.Provider)
        {
            case "Local":
                builder.AddLocalInference();
                builder.Services.AddSingleton<ModelReadiness>().AddReadinessCheck<ModelReadiness>("model");
                if (options.WarmUp)
                {
                    builder.Services.AddHostedService<InferenceWarmUp>();
                }

                break;
            case "OpenAI":
                if (options.OpenAI.AllowRemoteEndpoint)
                {
                    builder.Services.AddHostedService<RemoteEndpointWarning>();
                }

                builder.Services.AddSingleton(_ => new OpenAIClient(
                        new ApiKeyCredential(string.IsNullOrEmpty(options.OpenAI.ApiKey) ? "none" : options.OpenAI.ApiKey),
                        new OpenAIClientOptions { Endpoint = new Uri(options.OpenAI.Endpoint) })
                    .GetChatClient(options.OpenAI.Model)
                    .AsIChatClient());
                break;
            default:
                break;
        }

        return options.ParallelSequences;
    }

    /// <summary>Provider, endpoint, key and model file, checked with every other setting at start.</summary>
    private sealed class InferenceOptionsValidator : IValidateOptions<InferenceOptions>
    {
        public ValidateOptionsResult Validate(string? name, InferenceOptions options)
        {
            var errors = new List<string>();
            switch (options.Provider)
            {
                case "Local":
                    errors.AddRange(new InferenceOptionsRanges().Validate(name, options).Failures ?? []);
                    if (!File.Exists(options.ModelPath))
                    {
                        errors.Add($"Inference:ModelPath '{options.ModelPath}' does not exist. Run scripts/model to prepare a model, or point the setting at a GGUF file.");
                    }

                    if (options.ModelSha256.Trim() is { Length: > 0 } sha && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit)))
                    {
                        errors.Add($"Inference:ModelSha256 must be the file's SHA-256 as 64 hex digits (sha256sum prints it); got '{sha}'.");
                    }

                    break;
                case "OpenAI":
                    if (!Uri.TryCreate(options.OpenAI.Endpoint, UriKind.Absolute, out var endpoint))
                    {
                        errors.Add($"Inference:OpenAI:Endpoint must be an absolute URL when Inference:Provider is OpenAI; got '{options.OpenAI.Endpoint}'.");
                    }
                    else if (!options.OpenAI.AllowRemoteEndpoint && PrivateEndpoint.Problem(endpoint) is { } outside)
                    {
                        errors.Add($"Inference:OpenAI:Endpoint '{endpoint.Host}' {outside}: questions would leave the company's network. Point it at a server on this " +
                            "machine or the private network, or set Inference:OpenAI:AllowRemoteEndpoint=true if that is intended (logged at every start).");
                    }

                    if (Placeholder.Is(options.OpenAI.ApiKey))
                    {
                        errors.Add(Placeholder.Message("Inference:OpenAI:ApiKey", "Inference__OpenAI__ApiKey"));
                    }

                    break;
                default:
                    errors.Add($"Inference:Provider must be Local or OpenAI; got '{options.Provider}'.");
                    break;
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    private sealed class ModelReadiness(LocalInference inference) : IHealthCheck
    {
        // A model that fails to load stops the host (exit 2), so not loaded is always on the way up: starting, not broken.
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(inference.IsLoaded
                ? HealthCheckResult.Healthy(inference.ModelDescription + (inference.IsSynthetic ? " — SYNTHETIC, random replies" : ""))
                : HealthEndpoints.StartingUp("loading the model"));
    }

    /// <summary>Says at every start that questions may leave the building: an allowance nobody should forget is on.</summary>
    private sealed partial class RemoteEndpointWarning(IOptions<InferenceOptions> options, ILogger<RemoteEndpointWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogRemote(logger, new Uri(options.Value.OpenAI.Endpoint).Host);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(EventId = 4205, Level = LogLevel.Warning,
            Message = "Inference:OpenAI:AllowRemoteEndpoint is true: questions are sent to {Host}, which may be outside the company's network")]
        private static partial void LogRemote(ILogger logger, string host);
    }
}
