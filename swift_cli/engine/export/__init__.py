"""Export engines: merge adapters, GGUF/Ollama, ONNX, quantizers, push — each artifact verified by reloading."""
