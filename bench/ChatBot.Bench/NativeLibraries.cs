using ChatBot.Inference.Engine;
using ChatBot.Inference.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Bench;

/// <summary>
/// Loads llama.cpp for an in-process peer from where the bot would: <c>Inference__NativeLibraryPath</c> (a custom
/// build of LLamaSharp's llama.cpp commit), else the libraries LLamaSharp.Backend.Cpu restored; and the model as the
/// bot would, on huge pages unless <c>Inference__HugePages=false</c>.
/// </summary>
internal static class NativeLibraries
{
    /// <summary>True when the libraries are a custom build rather than LLamaSharp.Backend.Cpu's.</summary>
    public static bool Load()
    {
        var configured = Environment.GetEnvironmentVariable("Inference__NativeLibraryPath");
        LlamaLibrary.Load(configured, NullLogger.Instance);
        return !string.IsNullOrEmpty(configured);
    }

    public static bool HugePages => !string.Equals(Environment.GetEnvironmentVariable("Inference__HugePages"), "false", StringComparison.OrdinalIgnoreCase);

    /// <summary>The bot moves the weights onto huge pages after start; the bench waits for it, to measure the steady state.</summary>
    public static LlamaModel LoadModel(string path)
    {
        var model = LlamaModel.Load(path, hugePages: HugePages);
        Report(model.PromoteWeightsToHugePages());
        return model;
    }

    public static void Report((long HugePageBytes, TimeSpan Elapsed, string? Error)? promoted)
    {
        if (promoted is { } result)
        {
            Console.Error.WriteLine($"weights: {result.HugePageBytes >> 20} MiB on huge pages in {result.Elapsed.TotalMilliseconds:F0} ms{(result.Error is null ? "" : $" ({result.Error})")}");
        }
    }
}
