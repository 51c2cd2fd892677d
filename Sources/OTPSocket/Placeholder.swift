public enum OTPSocketPlaceholder {}
