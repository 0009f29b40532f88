using Microsoft.Extensions.Options;

namespace ChatBot.Inference;

/// <summary>
/// The ranges on <see cref="InferenceOptions"/>, checked by code generated at build. The host's validator applies them
/// with the provider's own rules when the model runs here (Provider=Local); they do not concern a remote server.
/// </summary>
[OptionsValidator]
public sealed partial class InferenceOptionsRanges : IValidateOptions<InferenceOptions>;
