using ChatBot.Inference;
using ChatBot.Inference.Engine;
using ChatBot.Inference.Native;
using ChatBot.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Tests.Inference;

/// <summary>One tiny model and one 4-sequence engine shared by a test class: real llama.cpp, milliseconds a token.</summary>
public sealed class InferenceFixture : IDisposable
{
    public InferenceFixture()
    {
        LlamaLibrary.Load(null, NullLogger.Instance);
        Model = LlamaModel.Load(TestModels.Tiny);
        Engine = new LlamaEngine(Model, new LlamaEngineSettings(Parallel: 4, ContextSize: 1024, BatchSize: 256, Threads: 2), NullLogger.Instance);
        Client = new LlamaChatClient(Engine, () => Options);
    }

    public InferenceOptions Options { get; } = new() { MaxNewTokens = 24, Temperature = 0, RepeatPenalty = 1 };

    internal LlamaModel Model { get; }

    internal LlamaEngine Engine { get; }

    public LlamaChatClient Client { get; }

    public void Dispose()
    {
        Engine.Dispose();
        Model.Dispose();
    }
}
