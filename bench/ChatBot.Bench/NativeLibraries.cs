using ChatBot.Inference.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Bench;

/// <summary>
/// Loads llama.cpp for an in-process peer from where the bot would: <c>Inference__NativeLibraryPath</c> (bench/run
/// sets it to scripts/native-build's folder for the native-build rounds), else the npm release in native/linux-x64.
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
}
