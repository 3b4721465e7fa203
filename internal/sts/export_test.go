package sts

// ForgetOpened drops the opened session of accessKey from the cache, as
// the cache's bound or a restart would: the next lookup opens the token.
func (s *Service) ForgetOpened(accessKey string) { s.opened.m.Delete(accessKey) }
