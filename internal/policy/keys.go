package policy

import (
	"fmt"
	"strings"
)

// Condition-key validation rule (used for Condition keys and policy
// variables):
//
//   - A key is "prefix:name" with a non-empty prefix and name.
//   - aws: keys must be AWS global condition keys (awsKeys, or one of the
//     tag families aws:RequestTag/, aws:ResourceTag/, aws:PrincipalTag/);
//     anything else is an error, since a misspelt global key silently never
//     matches.
//   - s3: keys are checked against the S3 keys below (any s3:x-amz-* header
//     key and the s3:ExistingObjectTag/ and s3:RequestObjectTag/ families are
//     accepted); an unknown s3: key is a warning, not an error.
//   - jwt: accepts any claim name (jwt:sub, jwt:preferred_username, ...).
//   - Any other service prefix is accepted as is: fedstore cannot know every
//     service's keys, and such a key is simply absent from its requests.
//
// Matching of key names is case-insensitive, as in AWS.

var awsKeys = []string{
	"aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:CurrentTime",
	"aws:EpochTime", "aws:FederatedProvider", "aws:MultiFactorAuthAge",
	"aws:MultiFactorAuthPresent", "aws:PrincipalAccount", "aws:PrincipalArn",
	"aws:PrincipalIsAWSService", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
	"aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:PrincipalType",
	"aws:Referer", "aws:RequestedRegion", "aws:ResourceAccount", "aws:ResourceOrgID",
	"aws:ResourceOrgPaths", "aws:SecureTransport", "aws:SourceAccount", "aws:SourceArn",
	"aws:SourceIdentity", "aws:SourceIp", "aws:SourceOrgID", "aws:SourceOrgPaths",
	"aws:SourceVpc", "aws:SourceVpcArn", "aws:SourceVpce", "aws:TagKeys",
	"aws:TokenIssueTime", "aws:UserAgent", "aws:userid", "aws:username",
	"aws:ViaAWSService", "aws:VpcSourceIp", "aws:VpceAccount", "aws:VpceOrgID",
	"aws:VpceOrgPaths", "aws:Ec2InstanceSourceVpc", "aws:Ec2InstanceSourcePrivateIPv4",
	"aws:AssumedRoot", "aws:ChatbotSourceArn",
}

var awsKeyFamilies = []string{"aws:RequestTag/", "aws:ResourceTag/", "aws:PrincipalTag/"}

var s3Keys = []string{
	"s3:prefix", "s3:delimiter", "s3:max-keys", "s3:VersionId", "s3:authType",
	"s3:signatureAge", "s3:signatureversion", "s3:TlsVersion", "s3:LocationConstraint",
	"s3:RequestObjectTagKeys", "s3:ResourceAccount", "s3:AccessPointNetworkOrigin",
	"s3:DataAccessPointArn", "s3:DataAccessPointAccount", "s3:object-lock-mode",
	"s3:object-lock-remaining-retention-days", "s3:object-lock-retain-until-date",
	"s3:object-lock-legal-hold", "s3:ExistingJobPriority", "s3:ExistingJobOperation",
	"s3:JobSuspendedCause", "s3:RequestJobOperation", "s3:RequestJobPriority",
	"s3:x-amz-acl", "s3:x-amz-content-sha256", "s3:x-amz-copy-source",
	"s3:x-amz-metadata-directive", "s3:x-amz-server-side-encryption",
	"s3:x-amz-server-side-encryption-aws-kms-key-id", "s3:x-amz-storage-class",
	"s3:x-amz-website-redirect-location",
}

var s3KeyFamilies = []string{"s3:ExistingObjectTag/", "s3:RequestObjectTag/", "s3:x-amz-"}

// checkKey validates a condition key or variable name: it returns an error
// message, or a warning message, or neither.
func checkKey(key string) (errMsg, warnMsg string) {
	prefix, name, ok := strings.Cut(key, ":")
	if !ok || prefix == "" || name == "" {
		return fmt.Sprintf("condition key %q is not of the form service:name", key), ""
	}
	switch strings.ToLower(prefix) {
	case "aws":
		if known(key, awsKeys, awsKeyFamilies) {
			return "", ""
		}
		return fmt.Sprintf("unknown global condition key %q%s", key, suggest(key, awsKeys)), ""
	case "s3":
		if known(key, s3Keys, s3KeyFamilies) {
			return "", ""
		}
		return "", fmt.Sprintf("unknown S3 condition key %q%s: it is never present in a request", key, suggest(key, s3Keys))
	}
	return "", ""
}

func known(key string, exact, families []string) bool {
	for _, k := range exact {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	for _, f := range families {
		if len(key) > len(f) && strings.EqualFold(key[:len(f)], f) {
			return true
		}
	}
	return false
}

// s3Actions are the S3 actions of the AWS service authorization reference
// (the ones fedstore serves and those it does not). An s3: action pattern
// that matches none of them is a warning.
var s3Actions = []string{
	"AbortMultipartUpload", "BypassGovernanceRetention", "CreateAccessPoint",
	"CreateAccessPointForObjectLambda", "CreateBucket", "CreateJob",
	"CreateMultiRegionAccessPoint", "CreateStorageLensGroup", "DeleteAccessPoint",
	"DeleteAccessPointForObjectLambda", "DeleteAccessPointPolicy",
	"DeleteAccessPointPolicyForObjectLambda", "DeleteBucket", "DeleteBucketOwnershipControls",
	"DeleteBucketPolicy", "DeleteBucketWebsite", "DeleteJobTagging",
	"DeleteMultiRegionAccessPoint", "DeleteObject", "DeleteObjectTagging",
	"DeleteObjectVersion", "DeleteObjectVersionTagging", "DeleteStorageLensConfiguration",
	"DeleteStorageLensConfigurationTagging", "DeleteStorageLensGroup", "DescribeJob",
	"DescribeMultiRegionAccessPointOperation", "GetAccelerateConfiguration", "GetAccessPoint",
	"GetAccessPointConfigurationForObjectLambda", "GetAccessPointForObjectLambda",
	"GetAccessPointPolicy", "GetAccessPointPolicyForObjectLambda", "GetAccessPointPolicyStatus",
	"GetAccessPointPolicyStatusForObjectLambda", "GetAccountPublicAccessBlock",
	"GetAnalyticsConfiguration", "GetBucketAcl", "GetBucketCORS", "GetBucketLocation",
	"GetBucketLogging", "GetBucketNotification", "GetBucketObjectLockConfiguration",
	"GetBucketOwnershipControls", "GetBucketPolicy", "GetBucketPolicyStatus",
	"GetBucketPublicAccessBlock", "GetBucketRequestPayment", "GetBucketTagging",
	"GetBucketVersioning", "GetBucketWebsite", "GetEncryptionConfiguration",
	"GetIntelligentTieringConfiguration", "GetInventoryConfiguration", "GetJobTagging",
	"GetLifecycleConfiguration", "GetMetricsConfiguration", "GetMultiRegionAccessPoint",
	"GetMultiRegionAccessPointPolicy", "GetMultiRegionAccessPointPolicyStatus",
	"GetObject", "GetObjectAcl", "GetObjectAttributes", "GetObjectLegalHold",
	"GetObjectRetention", "GetObjectTagging", "GetObjectTorrent", "GetObjectVersion",
	"GetObjectVersionAcl", "GetObjectVersionAttributes", "GetObjectVersionForReplication",
	"GetObjectVersionTagging", "GetObjectVersionTorrent", "GetReplicationConfiguration",
	"GetStorageLensConfiguration", "GetStorageLensConfigurationTagging",
	"GetStorageLensDashboard", "GetStorageLensGroup", "InitiateReplication",
	"ListAccessPoints", "ListAccessPointsForObjectLambda", "ListAllMyBuckets", "ListBucket",
	"ListBucketMultipartUploads", "ListBucketVersions", "ListJobs",
	"ListMultiRegionAccessPoints", "ListMultipartUploadParts", "ListStorageLensConfigurations",
	"ListStorageLensGroups", "ListTagsForResource", "ObjectOwnerOverrideToBucketOwner",
	"PutAccelerateConfiguration", "PutAccessPointConfigurationForObjectLambda",
	"PutAccessPointPolicy", "PutAccessPointPolicyForObjectLambda",
	"PutAccessPointPublicAccessBlock", "PutAccountPublicAccessBlock",
	"PutAnalyticsConfiguration", "PutBucketAcl", "PutBucketCORS", "PutBucketLogging",
	"PutBucketNotification", "PutBucketObjectLockConfiguration", "PutBucketOwnershipControls",
	"PutBucketPolicy", "PutBucketPublicAccessBlock", "PutBucketRequestPayment",
	"PutBucketTagging", "PutBucketVersioning", "PutBucketWebsite", "PutEncryptionConfiguration",
	"PutIntelligentTieringConfiguration", "PutInventoryConfiguration", "PutJobTagging",
	"PutLifecycleConfiguration", "PutMetricsConfiguration", "PutMultiRegionAccessPointPolicy",
	"PutObject", "PutObjectAcl", "PutObjectLegalHold", "PutObjectRetention",
	"PutObjectTagging", "PutObjectVersionAcl", "PutObjectVersionTagging",
	"PutReplicationConfiguration", "PutStorageLensConfiguration",
	"PutStorageLensConfigurationTagging", "ReplicateDelete", "ReplicateObject",
	"ReplicateTags", "RestoreObject", "TagResource", "UntagResource", "UpdateJobPriority",
	"UpdateJobStatus", "UpdateStorageLensGroup",
}

// checkAction validates an action pattern ("*", "svc:*", "s3:Get*") and
// returns an error message or a warning message.
func checkAction(a string) (errMsg, warnMsg string) {
	if a == "*" {
		return "", ""
	}
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" || name == "" {
		return fmt.Sprintf("action %q is not of the form service:action (e.g. \"s3:GetObject\") or \"*\"", a), ""
	}
	for _, c := range []byte(svc) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Sprintf("action %q: invalid service prefix %q (wildcards are not allowed there)", a, svc), ""
		}
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '*' || c == '?' || c == '-' || c == '_') {
			return fmt.Sprintf("action %q: invalid character %q in the action name", a, rune(c)), ""
		}
	}
	if !strings.EqualFold(svc, "s3") {
		return "", fmt.Sprintf("action %q is for service %q, which fedstore does not serve: it never matches", a, svc)
	}
	p, _, _ := compilePattern(strings.ToLower(name), compileOpts{wildcards: true})
	for _, known := range s3Actions {
		if p.match(known, nil, true) {
			return "", ""
		}
	}
	return "", fmt.Sprintf("unknown S3 action %q%s", a, suggestWith(name, s3Actions, "s3:"))
}
