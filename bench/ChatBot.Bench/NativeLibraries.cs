using ChatBot.Inference.Engine;
using ChatBot.Inference.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Bench;

/// <summary>
/// Loads llama.cpp for an in-process peer from where the bot would: <c>Inference__NativeLibraryPath</c> (bench/run
/// sets it to scripts/native-build's folder for the native-build rounds), else the npm release in native/linux-x64;
/// and the model as the bot would, on huge pages unless <c>Inference__HugePages=false</c>.
/// </summary>
internal static class NativeLibraries
{
    /// <summary>True when the libraries are a build for this CPU rather than the npm release.</summary>
    public static bool Load()
    {
        var configured = Environment.GetEnvironmentVariable("Inference__NativeLibraryPath");
        var directory = LlamaLibrary.Locate(configured)
            ?? throw new InvalidOperationException(string.IsNullOrEmpty(configured) ? "run scripts/native-libs" : $"no llama.cpp libraries in '{configured}'");
        LlamaLibrary.Load(directory, NullLogger.Instance);
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
